// Every SQL statement of the notification service, and nothing else.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "db/db.h"

namespace civic::notification {

struct TemplateRow {
  std::string key, locale, subject, body;
  int version = 0;
  std::string updated_at;
};

struct MessageRow {
  std::string id, event_id, template_key, recipient, bcc, subject, body, status, reply_to;
  int attempts = 0;
  std::string created_at, sent_at, last_error;
  std::string recipient_key = {}, recipient_sealed = {};  // keyed hash; sealed under the id (SEC-17)
};

struct NewsletterRow {
  std::string id, site, title, body, state = "draft", created_by, duplicated_from, published_at, updated_at;
  int version = 1;
};
struct DeliveryRow {
  std::string state;
  int total = 0, queued = 0;
  std::string started_at, finished_at;
};
struct SubscriberRow {
  std::string id, site, email_sealed, state;
};
/// One batch of a published issue's sending: the issue and the next active subscribers.
struct DeliveryBatch {
  std::string newsletter_id, site, title, body;
  std::vector<SubscriberRow> subscribers;
};

struct SubscriberView {
  std::string id, site, email_sealed, state, source, note, added_by, created_at, confirmed_at, unsubscribed_at;
};
struct SubscriberPage {
  std::vector<SubscriberView> items;
  int64_t total = 0;
};

struct SuppressionRow {
  std::string id, email_sealed, reason, note, created_by, created_at;
};
struct SuppressionPage {
  std::vector<SuppressionRow> items;
  int64_t total = 0;
};

namespace store {

std::optional<TemplateRow> find_template(db::Tx& tx, std::string_view key, std::string_view locale);
std::vector<TemplateRow> list_templates(db::Tx& tx);
/// Updates when `version` is the stored one; nullopt when it is not (or the row is missing).
std::optional<TemplateRow> update_template(db::Tx& tx, const TemplateRow& t);

/// Queues a message; a second message for the same event is ignored.
void insert_message(db::Tx& tx, const MessageRow& m);
/// The same for many messages in one statement (a mail.batch event).
/// Messages with `template_key` to the address of `recipient_key` queued in the last
/// `minutes` (any status). Locks that address and template until `tx` ends, so concurrent
/// deliveries count one after another.
int64_t recent_messages_to(db::Tx& tx, std::string_view recipient_key, std::string_view template_key, int minutes);
void insert_messages(db::Tx& tx, const std::vector<MessageRow>& messages);
/// Takes up to `limit` due messages, marks them `sending` under a lease and counts the attempt.
std::vector<MessageRow> claim_due(db::Tx& tx, int limit);
/// The files to send with messages `ids` (the QR codes), in order, by message id.
std::map<std::string, std::vector<std::tuple<std::string, std::string, std::string>>> attachments(
    db::Tx& tx, const std::vector<std::string>& ids);
/// Forgets a message's files once it is sent or given up.
void drop_attachments(db::Tx& tx, std::string_view id);
/// A contact-form message, sealed, with the keyed hash of its sender's address.
void insert_contact(db::Tx& tx, std::string_view id, std::string_view site, std::string_view sender_key,
                    std::string_view sealed);
/// Contact-form messages from `sender_key` in the last `minutes`.
int64_t recent_contacts(db::Tx& tx, std::string_view sender_key, int minutes);
void record_attempt(db::Tx& tx, std::string_view id, int attempt, bool ok, std::string_view detail);
/// Sent: the body is cleared and the readable recipient becomes `masked`.
void mark_sent(db::Tx& tx, std::string_view id, std::string_view masked);
/// Back to `queued` after a back-off, or `failed` for good once `final` (the readable
/// recipient then becomes `masked`).
void mark_retry(db::Tx& tx, std::string_view id, std::string_view error, bool final, std::string_view masked);

struct MessagePage {
  std::vector<MessageRow> items;
  int64_t total = 0;
};
MessagePage list_messages(db::Tx& tx, std::string_view status, int limit, int offset);
std::optional<MessageRow> find_message(db::Tx& tx, std::string_view id);

// NTF-3 mail stop (suppression.h), store.cpp.
/// The stopped addresses among `keys`: key -> reason.
std::map<std::string, std::string> suppressed(db::Tx& tx, const std::vector<std::string>& keys);
/// Stops address `key`; false when it was stopped already (the first reason stays).
bool insert_suppression(db::Tx& tx, const SuppressionRow& s, std::string_view key);
bool delete_suppression(db::Tx& tx, std::string_view id);
/// Newest first; `reason` empty for any; `key` (one address) when given.
SuppressionPage list_suppressions(db::Tx& tx, std::string_view reason, const std::optional<std::string>& key, int limit,
                                  int offset);
/// One more permanent delivery failure to `key`; how many there are now.
int add_bounce(db::Tx& tx, std::string_view key, std::string_view error);

// The mail magazine (NTF-4), newsletter_store.cpp.
void insert_newsletter(db::Tx& tx, const NewsletterRow& n);
/// Rewrites title and body if the version is still `n.version`; false otherwise.
bool update_newsletter(db::Tx& tx, const NewsletterRow& n);
std::optional<NewsletterRow> find_newsletter(db::Tx& tx, std::string_view id, bool for_update = false);
/// Moves to `state`; the first publication also starts its delivery (never a second one).
void set_newsletter_state(db::Tx& tx, std::string_view id, std::string_view state);
/// The state alone: a back number of the former system is published without being sent.
void set_back_number_state(db::Tx& tx, std::string_view id, std::string_view state);
/// Deletes the issue with its delivery cursor (its sent mails stay in the mail record).
void erase_newsletter(db::Tx& tx, std::string_view id);
struct NewsletterPage {
  std::vector<NewsletterRow> items;
  int64_t total = 0;
};
/// Published issues of `site`, newest first.
NewsletterPage published_newsletters(db::Tx& tx, std::string_view site, int limit, int offset);
/// Any state (or one), newest entry first.
NewsletterPage admin_newsletters(db::Tx& tx, std::string_view state, int limit, int offset);
/// The deliveries of those of `newsletter_ids` that were published, by id (one query for a page).
std::map<std::string, DeliveryRow> deliveries_of(db::Tx& tx, const std::vector<std::string>& newsletter_ids);

std::optional<SubscriberRow> find_subscriber(db::Tx& tx, std::string_view site, std::string_view email_key);
/// A new pending subscriber whose confirmation token hashes to `confirm_hash`.
void insert_subscriber(db::Tx& tx, const SubscriberRow& s, std::string_view email_key, std::string_view confirm_hash);
/// Pending again (a new request, or back after unsubscribing) with a fresh token.
/// A new confirmation for a subscriber not yet (or no longer) active; false, changing
/// nothing, while a pending one was mailed less than 20 minutes ago (at most three
/// confirmation mails an hour to one address, whatever the sources: issue 12).
bool renew_confirmation(db::Tx& tx, std::string_view id, std::string_view confirm_hash);
/// Activates the pending subscriber of an unexpired token (used up); nullopt otherwise.
std::optional<SubscriberRow> confirm_subscriber(db::Tx& tx, std::string_view confirm_hash);
/// Unsubscribes `id`; nullopt when there is no such subscriber.
std::optional<SubscriberRow> unsubscribe(db::Tx& tx, std::string_view id);
/// Staff's view: newest first; `site`, `state` empty for any; `key` (one address) when given.
SubscriberPage list_subscribers(db::Tx& tx, std::string_view site, std::string_view state,
                                const std::optional<std::string>& key, int limit, int offset);
std::optional<SubscriberView> find_subscriber_view(db::Tx& tx, std::string_view id);
/// An active subscription without a confirmation mail (staff on request, or a member's
/// verified address): a new row, or the address's row on `site` made active again. Its id.
std::string activate_subscriber(db::Tx& tx, const SubscriberRow& s, std::string_view email_key, std::string_view source,
                                std::string_view added_by, std::string_view note);
bool delete_subscriber(db::Tx& tx, std::string_view id);
/// The subscriber carried over from the former system as `legacy_id` for `site`.
std::optional<SubscriberView> find_subscriber_by_legacy_id(db::Tx& tx, std::string_view site, std::string_view legacy_id);
/// Gives the subscriber `id` its former system's id (it subscribed here first).
void set_subscriber_legacy_id(db::Tx& tx, std::string_view id, std::string_view legacy_id);
/// A confirmed subscriber carried over from the former system: source "import", consent
/// dated `subscribed_at` (empty: now).
void insert_imported_subscriber(db::Tx& tx, const SubscriberRow& s, std::string_view email_key,
                                std::string_view legacy_id, std::string_view subscribed_at);
/// Staff correct a subscriber's address (its keyed hash and sealed copy) and note; false
/// when there is no such subscriber. Throws db::Error (unique_violation) when the site
/// has the new address already.
bool correct_subscriber(db::Tx& tx, std::string_view id, std::string_view email_key, std::string_view email_sealed,
                        std::string_view note);
/// Ends the subscriptions of one address (`email_key`) on `site`, or on both sites when
/// it is empty; how many ended.
int64_t unsubscribe_address(db::Tx& tx, std::string_view email_key, std::string_view site = "");

/// Locks the oldest delivery still sending (others' locks skipped) and reads up to
/// `limit` active subscribers of its site after its cursor, in id order.
std::optional<DeliveryBatch> next_delivery_batch(db::Tx& tx, int limit);
/// Moves the cursor past `last_id`, counts `queued` more, and ends the delivery when `done`.
void advance_delivery(db::Tx& tx, std::string_view newsletter_id, std::string_view last_id, int queued, bool done);

/// A LINE friend of the former site (issue 15), written or refreshed by id; a user id
/// already kept under another legacy id is a unique violation (409).
struct LineFriendRow {
  std::string id, legacy_id, line_user_key, line_user_id_sealed, display_name_sealed, account_id, followed_at;
};
void save_line_friend(db::Tx& tx, const LineFriendRow& f);

} // namespace store
} // namespace civic::notification
