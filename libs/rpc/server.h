// Server bootstrap shared by every service, and the guard every method body runs in.
#pragma once
#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>
#include <vector>

#include "core/log.h"
#include "db/db.h"
#include "db/migrations.h"
#include "rpc/principal.h"
#include "rpc/status.h"

namespace civic::rpc {

/// The first call of every main(), before any thread starts:
/// - blocks SIGTERM/SIGINT (and ignores SIGPIPE), so every later thread inherits the mask
///   and wait_for_shutdown_signal() receives them;
/// - turns off Abseil's mutex deadlock detection (a debugging aid that costs every gRPC call);
/// - bounds what glibc's allocator keeps (PERF-5): blocks of 256 KiB and more (an Argon2id
///   hash's 19 MiB, uploads, large messages and query results) are mapped and returned
///   when freed, instead of growing the heap for good once one was freed; and at most
///   MALLOC_ARENA_MAX (default 2) arenas, not 8 per core, each keeping its own free memory.
void start_process();
/// Waits for SIGTERM or SIGINT; returns its number.
int wait_for_shutdown_signal();

/// A service to serve, with the full name its health answers for.
struct Served {
  grpc::Service* service;
  std::string name;  // the full name health answers for, e.g. "civic.grants.GrantsService"
};
/// `impl` (derived from the generated Generated::Service) with its full name.
template <class Generated>
Served as(typename Generated::Service& impl) {
  return {&impl, Generated::service_full_name()};
}
/// Starts a gRPC server on `address` for `services`, waits for SIGTERM/SIGINT, runs
/// `before_stop`, then shuts down, letting calls in flight finish for up to five seconds.
/// grpc.health.v1 answers for the server ("") and for each service by its full name, and
/// follows the service's own database: every HEALTH_CHECK_MS (default 5 s) `database` must
/// give a connection that runs SELECT 1, else everything is NOT_SERVING until it does
/// again (logged once each way). Every call is counted by method and code and timed
/// (grpc_server_handled_total, grpc_server_handling_seconds), and the process's metrics
/// (core/metrics.h) are served on METRICS_ADDRESS (0.0.0.0):METRICS_PORT/metrics.
void serve(const std::string& address, const std::vector<Served>& services, db::Pool& database,
           const std::function<void()>& before_stop = {});

/// The start of every service's main(): applies `schema` (the libraries' tables it
/// uses, then its own; cmake/Embed.cmake) when `command` is
/// "migrate" or MIGRATE_ON_START is true (the default). True when the process should
/// exit now (`<svc>_server migrate`).
bool migrate_at_start(const std::string& command, const std::string& db_url,
                      const std::vector<db::Schema>& schema, const std::string& service);

/// Thrown inside a transaction to roll it back and answer with `status`.
struct Abort {
  grpc::Status status;
};

/// Runs one method: refuses a missing, forged or stale principal with UNAUTHENTICATED,
/// then calls `fn(principal)` with the request's id and trace on every log line it
/// writes, answers an escaping Abort with its status, and turns any escaping exception
/// into a status without its text (db::Error by SQLSTATE, others INTERNAL, logged).
template <class F>
grpc::Status guarded(const grpc::ServerContext* ctx, const std::string& key, const char* method, F&& fn) {
  auto principal = verify(*ctx, key);
  if (!principal) {
    log::warn("principal_rejected", {{"method", method}});
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "認証情報が確認できません");
  }
  log::RequestScope scope(principal->request_id(), principal->trace_id());
  try {
    return fn(*principal);
  } catch (const Abort& a) {
    return a.status;
  } catch (const db::Error& e) {
    return from_db_error(e, method);
  } catch (const std::exception& e) {
    log::error("unhandled_exception", {{"method", method}, {"what", e.what()}});
    return grpc::Status(grpc::StatusCode::INTERNAL, "内部エラーが発生しました");
  }
}

} // namespace civic::rpc
