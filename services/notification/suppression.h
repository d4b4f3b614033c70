// NTF-3 mail stop at the address level (issue 14, ADR 0016): which mails a stopped
// address still gets, how every mail path honours the list, the one-click unsubscribe
// of bulk and matching mails (RFC 8058) and the permanent failures that stop an address.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.h"
#include "db/db.h"
#include "notification/store.h"

namespace civic::notification {

/// Account-security mails (auth.*: address verification, password reset, e-mail
/// change and its notice, login alerts) are attempted even to a stopped address: the
/// person asked for them or must know of them.
bool always_attempted(std::string_view template_key);
/// Bulk and matching mails (magazine issues, MAT-3): they carry List-Unsubscribe.
bool unsubscribable(std::string_view template_key);

/// The keyed hash an address is found by (any letter case alike).
std::string suppression_key(const std::string& hmac_key, const std::string& email);

/// Inserts `rows`, each recipient also sealed and as a keyed hash (SEC-17): a queued row
/// to a stopped address (unless always attempted) is kept as `suppressed` with the
/// reason, never silently dropped.
void queue(db::Tx& tx, std::vector<MessageRow> rows, const std::string& hmac_key, const crypto::Sealer& sealer);

/// The token of a message's one-click unsubscribe (its id and an HMAC of it); the id
/// back from a token, nullopt for anything it did not make.
std::string mail_stop_token(const std::string& hmac_key, const std::string& message_id);
std::optional<std::string> mail_stop_message(const std::string& hmac_key, std::string_view token);

} // namespace civic::notification
