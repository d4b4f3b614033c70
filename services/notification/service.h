// Notification gRPC services: the EventSink that turns mail.requested events into
// queued messages exactly once, the staff API for templates and the delivery record,
// and the mail magazine (NTF-4, newsletters.cpp).
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "civic/events.grpc.pb.h"
#include "civic/notification.grpc.pb.h"
#include "core/crypto.h"
#include "db/db.h"
#include "notification/store.h"
#include "rpc/accounts.h"
#include "rpc/collection.h"

namespace civic::notification {

struct NotificationConfig {
  std::string hmac_key;
  std::string centre_bcc;  // support centre's address for BCC copies; empty: none
  std::string public_base_url = "http://127.0.0.1:8080";  // links in mails
  int receipts_per_recipient_hour = 3;
  int contacts_per_sender_hour = 5;     // contact-form messages from one address an hour  // receipts of public submissions to one address an hour (issue 12)
  int bounce_limit = 3;                 // permanent failures that stop an address (MAIL_BOUNCE_LIMIT)
};

/// What the events of Aikasanet's other channels need (line.h, health.h): the LINE
/// fan-out of matching messages and the health app's QR codes.
struct ChannelHooks {
  std::function<void(db::Tx&, const civic::events::LinePushRequested&)> line_push;
  std::function<void(db::Tx&, const std::string& event_id, const civic::events::MailRequested&)> line_notice;
  std::function<void(db::Tx&, const civic::events::RecruitmentPublished&)> recruitment_published;
  std::function<void(db::Tx&, const std::string& recruitment_id)> recruitment_closed;
  std::function<void(db::Tx&, const std::string& account_id)> account_deleted;
  std::function<void()> line_queued;  // wakes the LINE worker
};

class EventSinkImpl final : public civic::events::EventSink::Service {
 public:
  EventSinkImpl(db::Pool& pool, NotificationConfig config, crypto::Sealer sealer, std::function<void()> queued,
                ChannelHooks channels = {});
  grpc::Status Deliver(grpc::ServerContext* ctx, const civic::events::Event* event,
                       civic::events::DeliverResponse* resp) override;

 private:
  db::Pool& pool_;
  NotificationConfig config_;
  crypto::Sealer sealer_;  // recipients are kept sealed (SEC-17)
  std::function<void()> queued_;
  ChannelHooks channels_;
};

class NotificationServiceImpl final : public NotificationService::Service {
 public:
  /// `queued` wakes the mail sender after a confirmation mail is queued; `accounts`
  /// asks auth for a login's verified address (the member's own subscriptions).
  NotificationServiceImpl(db::Pool& pool, NotificationConfig config, crypto::Sealer sealer,
                          std::function<void()> queued, rpc::AccountLookup accounts);
  grpc::Status ListTemplates(grpc::ServerContext*, const ListTemplatesRequest*, ListTemplatesResponse*) override;
  grpc::Status UpdateTemplate(grpc::ServerContext*, const UpdateTemplateRequest*, MailTemplate*) override;
  grpc::Status ListMessages(grpc::ServerContext*, const ListMessagesRequest*, ListMessagesResponse*) override;
  // NTF-4 (newsletters.cpp).
  grpc::Status ListNewsletters(grpc::ServerContext*, const ListNewslettersRequest*, ListNewslettersResponse*) override;
  grpc::Status GetNewsletter(grpc::ServerContext*, const GetNewsletterRequest*, Newsletter*) override;
  grpc::Status Subscribe(grpc::ServerContext*, const SubscribeRequest*, SubscribeResponse*) override;
  grpc::Status ConfirmSubscription(grpc::ServerContext*, const SubscriptionTokenRequest*, SubscriptionResponse*) override;
  grpc::Status Unsubscribe(grpc::ServerContext*, const SubscriptionTokenRequest*, SubscriptionResponse*) override;
  grpc::Status AdminListNewsletters(grpc::ServerContext*, const AdminListNewslettersRequest*,
                                    ListNewslettersResponse*) override;
  grpc::Status CreateNewsletter(grpc::ServerContext*, const SaveNewsletterRequest*, Newsletter*) override;
  grpc::Status ImportNewsletter(grpc::ServerContext*, const ImportNewsletterRequest*,
                                civic::common::ImportResult*) override;
  grpc::Status ImportLineFriend(grpc::ServerContext*, const ImportLineFriendRequest*,
                                civic::common::ImportResult*) override;
  grpc::Status UpdateNewsletter(grpc::ServerContext*, const SaveNewsletterRequest*, Newsletter*) override;
  CIVIC_STAFF_COLLECTION(Newsletter, Newsletter, newsletters_)
  // お問い合わせ (contact.cpp).
  grpc::Status SubmitContact(grpc::ServerContext*, const ContactRequest*, ContactReceipt*) override;
  CIVIC_STAFF_DUPLICATE(Newsletter, newsletters_)
  // NTF-3 mail stop (suppressions.cpp).
  grpc::Status ListSuppressions(grpc::ServerContext*, const ListSuppressionsRequest*, ListSuppressionsResponse*) override;
  grpc::Status AddSuppression(grpc::ServerContext*, const AddSuppressionRequest*, Suppression*) override;
  grpc::Status DeleteSuppression(grpc::ServerContext*, const SuppressionIdRequest*, civic::common::Empty*) override;
  grpc::Status ExportSuppressions(grpc::ServerContext*, const ExportSuppressionsRequest*, civic::common::HttpBody*) override;
  grpc::Status OneClickUnsubscribe(grpc::ServerContext*, const OneClickUnsubscribeRequest*,
                                   OneClickUnsubscribeResponse*) override;
  // NTF-4 mail-magazine members for staff (subscribers.cpp).
  grpc::Status ListSubscribers(grpc::ServerContext*, const ListSubscribersRequest*, ListSubscribersResponse*) override;
  grpc::Status AddSubscriber(grpc::ServerContext*, const AddSubscriberRequest*, Subscriber*) override;
  grpc::Status UpdateSubscriber(grpc::ServerContext*, const UpdateSubscriberRequest*, Subscriber*) override;
  grpc::Status ImportSubscriber(grpc::ServerContext*, const ImportSubscriberRequest*, civic::common::ImportResult*) override;
  grpc::Status StopSubscriber(grpc::ServerContext*, const SubscriberIdRequest*, Subscriber*) override;
  grpc::Status DeleteSubscriber(grpc::ServerContext*, const SubscriberIdRequest*, civic::common::Empty*) override;
  grpc::Status ExportSubscribers(grpc::ServerContext*, const ExportSubscribersRequest*, civic::common::HttpBody*) override;
  grpc::Status GetMySubscriptions(grpc::ServerContext*, const civic::common::Empty*, MySubscriptionsResponse*) override;
  grpc::Status SetMySubscription(grpc::ServerContext*, const SetMySubscriptionRequest*, MySubscription*) override;
  /// The sender's hook for a permanent failure: counts it and stops the address at the limit.
  void bounced(db::Tx& tx, const MessageRow& m, const std::string& error) const;

 private:
  rpc::Collection<NewsletterRow, Newsletter> newsletter_collection();
  void render(const SuppressionRow& s, Suppression* out) const;
  void render(const SubscriberView& s, Subscriber* out) const;
  /// Stops `email` for `reason`; false when it was stopped already.
  bool stop_address(db::Tx& tx, const std::string& email, const std::string& reason, const std::string& note,
                    const std::string& by, SuppressionRow* made) const;
  /// A staff deletion of the record `id`, which `erase` removes (false: there is none,
  /// NOT_FOUND), audited as `action` on `entity_type` in the same transaction.
  grpc::Status staff_delete(const grpc::ServerContext* ctx, const char* method, const std::string& id,
                            const char* entity_type, const char* action,
                            const std::function<bool(db::Tx&)>& erase) const;
  /// The caller's login address when verified, else empty.
  std::string verified_address(const rpc::Principal& p) const;

  db::Pool& pool_;
  NotificationConfig config_;
  crypto::Sealer sealer_;
  std::function<void()> queued_;
  rpc::AccountLookup accounts_;
  rpc::Collection<NewsletterRow, Newsletter> newsletters_;
};

/// A key derived from the internal HMAC key for one `purpose`.
std::string derived_key(const std::string& hmac_key, std::string_view purpose);
/// An address as a keyed hash for `purpose` (any letter case alike): to find or count
/// what one address did without keeping it in clear.
std::string address_key(const std::string& hmac_key, std::string_view purpose, std::string email);
/// member.magazine (matching): subscribes or unsubscribes a member's verified address.
void magazine_choice(db::Tx& tx, const NotificationConfig& config, const crypto::Sealer& sealer,
                     const civic::events::MagazineChoice& c);

/// The key of a mail-magazine subscriber's address (the same address in any letter
/// case is one subscriber).
inline std::string subscriber_key(const std::string& hmac_key, const std::string& email) {
  return address_key(hmac_key, "newsletter.email", email);
}

/// The token of a subscriber's unsubscribe link: its id and an HMAC of it under a key
/// derived from `hmac_key` (no column, no expiry); unsubscriber_of() gives the id back,
/// nullopt for anything it did not make.
std::string unsubscribe_token(const std::string& hmac_key, const std::string& subscriber_id);
std::optional<std::string> unsubscriber_of(const std::string& hmac_key, std::string_view token);

/// Queues the mails of one batch (up to `limit` subscribers) of the oldest published
/// issue still sending, and moves its cursor, in one transaction; returns how many
/// were queued (0 when nothing is sending). The mail sender calls it before sending.
int queue_newsletter_batch(db::Pool& pool, const NotificationConfig& config, const crypto::Sealer& sealer, int limit);

} // namespace civic::notification
