#include "rpc/principal.h"

#include <algorithm>

#include "core/crypto.h"
#include "core/log.h"
#include "core/time.h"
#include "core/trace.h"

namespace civic::rpc {

bool has_role(const Principal& p, std::string_view role) {
  return std::any_of(p.roles().begin(), p.roles().end(), [&](const std::string& r) { return r == role; });
}

void attach(grpc::ClientContext& ctx, Principal p, const std::string& key) {
  p.set_issued_at_unix_ms(time::now_unix_ms());
  // A call made while serving a request belongs to it (a relay, a service asking another).
  if (p.request_id().empty()) p.set_request_id(std::string(log::RequestScope::request_id()));
  if (p.trace_id().empty()) p.set_trace_id(std::string(log::RequestScope::trace_id()));
  if (!p.trace_id().empty()) ctx.AddMetadata("traceparent", trace::traceparent(p.trace_id()));
  std::string bytes = p.SerializeAsString();
  ctx.AddMetadata(kPrincipalKey, bytes);
  ctx.AddMetadata(kSignatureKey, crypto::hmac_sha256(key, bytes));
}

std::optional<Principal> verify_values(std::string_view principal_bytes, std::string_view signature,
                                       const std::string& key, std::chrono::milliseconds max_age) {
  if (principal_bytes.empty() || signature.empty()) return std::nullopt;
  if (!crypto::equal_constant_time(crypto::hmac_sha256(key, principal_bytes), signature)) return std::nullopt;
  Principal p;
  if (!p.ParseFromArray(principal_bytes.data(), int(principal_bytes.size()))) return std::nullopt;
  int64_t age = time::now_unix_ms() - p.issued_at_unix_ms();
  if (age > max_age.count() || age < -max_age.count()) return std::nullopt;
  return p;
}

std::optional<Principal> verify(const grpc::ServerContext& ctx, const std::string& key,
                                std::chrono::milliseconds max_age) {
  const auto& md = ctx.client_metadata();
  auto p = md.find(kPrincipalKey);
  auto s = md.find(kSignatureKey);
  if (p == md.end() || s == md.end()) return std::nullopt;
  return verify_values(std::string_view(p->second.data(), p->second.size()),
                       std::string_view(s->second.data(), s->second.size()), key, max_age);
}

} // namespace civic::rpc
