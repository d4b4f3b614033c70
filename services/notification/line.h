// NTF-5 LINE: the webhook (signature checked before parsing; events kept once in an
// inbox and processed by the LINE worker), linking a member's LINE with a one-time code,
// friends and usage for staff, and the fan-out of matching messages by multicast within
// LINE's limits and the plan's monthly quota. ADR 0020.
#pragma once
#include <functional>
#include <string>

#include "civic/channels.grpc.pb.h"
#include "civic/events.pb.h"
#include "core/crypto.h"
#include "core/worker.h"
#include "db/db.h"
#include "notification/line_api.h"

namespace civic::notification {

struct LineConfig {
  std::string hmac_key;                 // INTERNAL_HMAC_KEY: principals, keyed hashes
  std::string channel_secret;           // LINE_CHANNEL_SECRET: webhook signatures
  std::string add_friend_url;           // LINE_ADD_FRIEND_URL: shown with a link code
  std::string public_base_url;          // one-click links
  std::string oneclick_key;             // ONECLICK_KEY (shared with matching and recruitment)
  int64_t oneclick_ttl_seconds = 30 * 86400;
  int max_attempts = 8;                 // multicast calls before a push is failed
};

/// The keyed hash a LINE user id is found by.
std::string line_user_key(const std::string& hmac_key, const std::string& user_id);
/// True when `signature` is base64 of HMAC-SHA256(body) under `secret` (constant time).
bool line_signature_valid(const std::string& secret, std::string_view body, std::string_view signature);

/// line.push (matching): records the fan-out to the recipients who linked LINE and
/// follow the account (none: nothing recorded); the LINE worker sends it.
void line_push_requested(db::Tx& tx, const civic::events::LinePushRequested& push);
/// mail.requested with also_line: the template "line.<template>" pushed as text to the
/// account's LINE when it is linked and follows (else nothing); `id` is the event's.
void line_notice_requested(db::Tx& tx, const std::string& id, const civic::events::MailRequested& mail);
/// account.deleted (auth): the login is gone, and with it its LINE link and codes.
void line_account_deleted(db::Tx& tx, const std::string& account_id);

class LineServiceImpl final : public LineService::Service {
 public:
  /// `received` wakes the LINE worker after webhook events were stored.
  LineServiceImpl(db::Pool& pool, LineConfig config, crypto::Sealer sealer, const LineApi& api,
                  std::function<void()> received);
  grpc::Status LineWebhook(grpc::ServerContext*, const LineWebhookRequest*, LineWebhookResponse*) override;
  grpc::Status CreateMyLineLinkCode(grpc::ServerContext*, const civic::common::Empty*, LineLinkCode*) override;
  grpc::Status GetMyLine(grpc::ServerContext*, const civic::common::Empty*, MyLine*) override;
  grpc::Status UnlinkMyLine(grpc::ServerContext*, const civic::common::Empty*, civic::common::Empty*) override;
  grpc::Status ListLineFriends(grpc::ServerContext*, const ListLineFriendsRequest*, ListLineFriendsResponse*) override;
  grpc::Status GetLineUsage(grpc::ServerContext*, const LineUsageRequest*, LineUsage*) override;

 private:
  db::Pool& pool_;
  LineConfig config_;
  crypto::Sealer sealer_;
  const LineApi& api_;
  std::function<void()> received_;
};

/// The background side: processes the webhook's inbox in order (follows, unfollows, link
/// codes, 連携解除, button taps answered with the member's one-click links), then plans
/// queued pushes against the quota and sends their multicast calls, each under a lease
/// with its retry key; 429 waits for Retry-After (or backs off), a monthly-limit answer
/// skips the push. Several replicas may run it: rows are claimed with SKIP LOCKED.
class LineWorker {
 public:
  LineWorker(db::Pool& pool, LineConfig config, crypto::Sealer sealer, const LineApi& api);
  ~LineWorker();
  void start() { loop_.start(); }
  void stop() { loop_.stop(); }
  void notify() { loop_.notify(); }
  /// One round: events, then planning, then due calls; returns how much it did.
  int run_once();

 private:
  int process_events();
  int plan_pushes();
  int send_calls();

  db::Pool& pool_;
  LineConfig config_;
  crypto::Sealer sealer_;
  const LineApi& api_;
  BackgroundLoop loop_;  // last: stopped before the rest goes
};

} // namespace civic::notification
