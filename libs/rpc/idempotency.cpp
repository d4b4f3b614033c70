#include "rpc/idempotency.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "core/crypto.h"
#include "core/log.h"
#include "rpc/status.h"

namespace civic::rpc {
namespace {

constexpr const char* kPurge =
    "DELETE FROM idempotency_keys WHERE key_hash IN (SELECT key_hash FROM idempotency_keys "
    "WHERE created_at < now() - interval '24 hours' LIMIT 100)";
constexpr const char* kClaim =
    "INSERT INTO idempotency_keys (key_hash, request_hash) VALUES ($1::bytea, $2::bytea) "
    "ON CONFLICT (key_hash) DO NOTHING RETURNING 1";
constexpr const char* kFind =
    "SELECT request_hash, status, coalesce(response, ''::bytea) FROM idempotency_keys WHERE key_hash = $1::bytea";
constexpr const char* kDone =
    "UPDATE idempotency_keys SET status = 'done', response = $2::bytea, updated_at = now() WHERE key_hash = $1::bytea";
constexpr const char* kRelease = "DELETE FROM idempotency_keys WHERE key_hash = $1::bytea AND status = 'pending'";

// 1-255 visible ASCII characters (a UUID, usually).
bool well_formed(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (char c : key)
    if (c < 0x21 || c > 0x7E) return false;
  return true;
}

// The same request always hashes the same: deterministic serialisation.
std::string request_hash(const std::string& hmac_key, std::string_view method, const google::protobuf::Message& request) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  return crypto::hmac_sha256(hmac_key, "idempotency.request\0" + std::string(method) + '\0' + bytes);
}

} // namespace

grpc::Status idempotent(db::Pool& pool, const std::string& hmac_key, const Principal& p, std::string_view method,
                        const google::protobuf::Message& request, google::protobuf::Message* response,
                        const std::function<grpc::Status()>& fn) {
  const std::string& key = p.idempotency_key();
  if (key.empty()) return fn();
  if (!well_formed(key))
    return invalid("idempotency_key", "invalid_format", "Idempotency-Key は255文字以内の半角英数字記号にしてください",
                   "1-255 visible ASCII characters");
  std::string key_hash =
      crypto::hmac_sha256(hmac_key, "idempotency.key\0" + std::string(method) + '\0' + p.account_id() + '\0' + key);
  std::string hash = request_hash(hmac_key, method, request);

  enum class Seen { claimed, replay, running, reused };
  std::string kept;
  Seen seen = pool.transaction([&](db::Tx& tx) {
    tx.exec(kPurge);
    if (!tx.exec(kClaim, db::Bytes{key_hash}, db::Bytes{hash}).empty()) return Seen::claimed;
    db::Result r = tx.exec(kFind, db::Bytes{key_hash});
    if (r.empty()) return Seen::running;  // released between the two statements: ask again
    if (r[0].bytes(0) != hash) return Seen::reused;
    if (r[0].text(1) != "done") return Seen::running;
    kept = r[0].bytes(2);
    return Seen::replay;
  });
  switch (seen) {
    case Seen::reused:
      return invalid("idempotency_key", "reused", "この Idempotency-Key は別の内容の送信に使われています",
                     "this key was used for a different request");
    case Seen::running:
      return grpc::Status(grpc::StatusCode::ABORTED, "同じ送信を処理しています。しばらくしてから確かめてください");
    case Seen::replay:
      if (!response->ParseFromString(kept)) return grpc::Status(grpc::StatusCode::INTERNAL, "内部エラーが発生しました");
      log::info("idempotent_replay", {{"method", method}});
      return grpc::Status::OK;
    case Seen::claimed: break;
  }
  grpc::Status st;
  try {
    st = fn();
  } catch (...) {
    pool.transaction([&](db::Tx& tx) { tx.exec(kRelease, db::Bytes{key_hash}); });
    throw;
  }
  pool.transaction([&](db::Tx& tx) {
    if (st.ok()) tx.exec(kDone, db::Bytes{key_hash}, db::Bytes{response->SerializeAsString()});
    else tx.exec(kRelease, db::Bytes{key_hash});
  });
  return st;
}

} // namespace civic::rpc
