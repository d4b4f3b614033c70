// AUTH-9: partner systems' API clients (the health app). Admins create, rotate and
// revoke them; the gateway asks ValidateApiClient for each credential it has not seen
// in SESSION_CACHE_MS. A secret is 256 random bits: its SHA-256 is the lookup key (a slow
// hash protects guessable passwords, not random keys), compared by the index, and the
// client id of an HTTP Basic credential must match too.
#include <nlohmann/json.hpp>

#include "auth/service.h"
#include "auth/store.h"
#include "core/crypto.h"
#include "core/validation.h"
#include "rpc/declared.h"
#include "rpc/server.h"

namespace civic::auth {
namespace {
using grpc::Status;
using grpc::StatusCode;
using rpc::Principal;

constexpr const char* kColumns =
    "id::text, name, role, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "coalesce(to_char(rotated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), "
    "coalesce(to_char(previous_valid_until AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), "
    "coalesce(to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')";

void to_proto(const db::Row& r, ApiClient* out) {
  out->set_id(r.text(0));
  out->set_name(r.text(1));
  out->set_role(r.text(2));
  out->set_created_at(r.text(3));
  out->set_rotated_at(r.text(4));
  out->set_previous_valid_until(r.text(5));
  out->set_last_used_at(r.text(6));
}

// The secret as handed out: "cs_" and 256 random bits, so a leaked one is recognisable
// (secret scanners) and never mistaken for a session token.
std::string new_secret() { return "cs_" + crypto::random_token(32); }
std::string hash_of(const std::string& secret) { return crypto::sha256(secret); }

void audit(db::Tx& tx, const Principal& p, const std::string& action, const std::string& client_id,
           nlohmann::json detail = nlohmann::json::object()) {
  detail["api_client"] = client_id;
  store::append_audit(tx, {p.account_id(), p.client_ip(), action, "", detail.dump(), p.request_id()});
}
} // namespace

Status AuthServiceImpl::ValidateApiClient(Ctx* ctx, const ValidateApiClientRequest* req, ValidateApiClientResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ValidateApiClient", [&](const Principal& p) {
    if (p.caller() != "gateway") return Status(StatusCode::PERMISSION_DENIED, "gateway only");
    const std::string& secret = req->secret();
    if (secret.rfind("cs_", 0) != 0 || secret.size() > 100 ||
        (!req->client_id().empty() && !validation::is_uuid(req->client_id())))
      return Status(StatusCode::UNAUTHENTICATED, "認証情報が正しくありません");
    return pool_.transaction([&](db::Tx& tx) {
      // One statement: the client, and its last use touched at most once a minute.
      auto r = tx.exec(
          "WITH c AS (SELECT id, role, last_used_at FROM api_clients "
          "  WHERE (secret_hash = $1 OR (previous_hash = $1 AND previous_valid_until > now())) "
          "    AND ($2 = '' OR id = nullif($2, '')::uuid)), "
          "touched AS (UPDATE api_clients a SET last_used_at = now() FROM c WHERE a.id = c.id "
          "  AND (c.last_used_at IS NULL OR c.last_used_at < now() - interval '1 minute')) "
          "SELECT id::text, role FROM c",
          db::Bytes{hash_of(secret)}, req->client_id());
      if (r.empty()) return Status(StatusCode::UNAUTHENTICATED, "認証情報が正しくありません");
      resp->set_client_id(r[0].text(0));
      resp->set_role(r[0].text(1));
      return Status::OK;
    });
  });
}

Status AuthServiceImpl::ListApiClients(Ctx* ctx, const Empty*, ListApiClientsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ListApiClients", [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    return pool_.read([&](db::Tx& tx) {
      for (const auto& row : tx.exec(std::string("SELECT ") + kColumns + " FROM api_clients ORDER BY created_at, id"))
        to_proto(row, resp->add_items());
      return Status::OK;
    });
  });
}

Status AuthServiceImpl::CreateApiClient(Ctx* ctx, const CreateApiClientRequest* req, ApiClientSecret* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "CreateApiClient", [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    validation::Errors e;
    e.text("name", req->name(), {.max_chars = 100});
    rpc::check_declared(*req, e);
    if (!e.empty()) return rpc::invalid(e);
    std::string secret = new_secret();
    return pool_.transaction([&](db::Tx& tx) {
      auto r = tx.exec(std::string("INSERT INTO api_clients (id, name, role, secret_hash, created_by) "
                                   "VALUES ($1::uuid, $2, $3, $4, $5::uuid) RETURNING ") + kColumns,
                       crypto::uuid_v4(), req->name(), req->role(), db::Bytes{hash_of(secret)}, p.account_id());
      to_proto(r[0], resp->mutable_client());
      resp->set_secret(secret);
      audit(tx, p, "api_client.create", resp->client().id(), {{"role", req->role()}});
      return Status::OK;
    });
  });
}

Status AuthServiceImpl::RotateApiClient(Ctx* ctx, const RotateApiClientRequest* req, ApiClientSecret* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "RotateApiClient", [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id())) return rpc::not_found();
    validation::Errors e;
    if (req->grace_hours() < 0 || req->grace_hours() > 720)
      e.add("grace_hours", "out_of_range", "猶予時間は 0〜720 時間で指定してください", "grace_hours must be 0-720");
    if (!e.empty()) return rpc::invalid(e);
    std::string secret = new_secret();
    return pool_.transaction([&](db::Tx& tx) {
      auto r = tx.exec(std::string("UPDATE api_clients SET previous_hash = secret_hash, secret_hash = $2, "
                                   "previous_valid_until = now() + make_interval(hours => $3::int), rotated_at = now(), "
                                   "updated_at = now() WHERE id = $1::uuid RETURNING ") + kColumns,
                       req->id(), db::Bytes{hash_of(secret)}, req->grace_hours());
      if (r.empty()) return rpc::not_found();
      to_proto(r[0], resp->mutable_client());
      resp->set_secret(secret);
      audit(tx, p, "api_client.rotate", req->id(), {{"grace_hours", req->grace_hours()}});
      return Status::OK;
    });
  });
}

Status AuthServiceImpl::DeleteApiClient(Ctx* ctx, const AccountIdRequest* req, Empty*) {
  return rpc::guarded(ctx, config_.hmac_key, "DeleteApiClient", [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id())) return rpc::not_found();
    return pool_.transaction([&](db::Tx& tx) {
      if (tx.exec("DELETE FROM api_clients WHERE id = $1::uuid", req->id()).affected() == 0) return rpc::not_found();
      audit(tx, p, "api_client.delete", req->id());
      return Status::OK;
    });
  });
}

} // namespace civic::auth
