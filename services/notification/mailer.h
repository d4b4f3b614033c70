// Sending one mail over SMTP with libcurl's MIME API.
#pragma once
#include <string>
#include <vector>

namespace civic::notification {

struct Attachment {
  std::string filename, content_type, data;
};

struct OutgoingMail {
  std::string message_id;  // "<uuid@domain>": the same on every retry, so receivers can drop a duplicate
  std::string from;
  std::string to;
  std::string bcc;         // envelope only, never a header
  std::string subject;
  std::string body;        // UTF-8 text
  std::string reply_to;    // optional Reply-To (a sender to answer); From stays ours
  std::string list_unsubscribe;  // bulk and matching mails: the one-click URL (RFC 8058)
  std::vector<Attachment> attachments = {};  // after the text, as multipart/mixed
};

struct SendResult {
  std::string error;  // "" when the relay took the mail
  long smtp_code = 0; // the relay's last reply code when it refused
  /// 5xx: the relay refused for good (an unknown mailbox): retrying cannot help.
  bool permanent() const { return smtp_code >= 500 && smtp_code < 600; }
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  /// Sends `mail`; an empty error on success, otherwise the reason (for the attempt
  /// record) and the relay's reply code.
  virtual SendResult send(const OutgoingMail& mail) = 0;
};

/// An address as the SMTP envelope carries it: `<address>`, or with a legacy carrier
/// address's local part quoted (`<"taro..yamada"@docomo.ne.jp>`, RFC 5321's
/// Quoted-string) when `quote_legacy` — for a relay that refuses the bare form.
std::string envelope_address(const std::string& address, bool quote_legacy);

class SmtpMailer final : public Mailer {
 public:
  /// `url` like "smtp://127.0.0.1:2525" or "smtps://relay:465"; user/password may be empty.
  /// A relay off loopback must offer STARTTLS unless `require_tls` is false (SMTP_REQUIRE_TLS:
  /// only for a local demo's sink on its own container network, deploy/compose.yaml).
  SmtpMailer(std::string url, std::string user, std::string password, long timeout_seconds = 20,
             bool quote_legacy = false, bool require_tls = true);
  SendResult send(const OutgoingMail& mail) override;

 private:
  std::string url_, user_, password_;
  long timeout_;
  bool quote_legacy_;
  bool require_tls_;
};

} // namespace civic::notification
