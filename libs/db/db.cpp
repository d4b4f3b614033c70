#include "db/db.h"

#include "core/crypto.h"
#include "core/metrics.h"

namespace civic::db {

Error::Error(ErrorKind kind, std::string sqlstate, std::string constraint, const std::string& message)
    : std::runtime_error(message), kind_(kind), sqlstate_(std::move(sqlstate)), constraint_(std::move(constraint)) {}

ErrorKind classify(std::string_view s) {
  if (s == "23505") return ErrorKind::unique_violation;
  if (s == "23503") return ErrorKind::foreign_key_violation;
  if (s == "23514") return ErrorKind::check_violation;
  if (s == "23502") return ErrorKind::not_null_violation;
  if (s == "40001") return ErrorKind::serialization_failure;
  if (s == "40P01") return ErrorKind::deadlock;
  // 08: the connection failed; 57P: the server ended it (shutdown, crash, failover,
  // "cannot connect now", database dropped) — either way the database is away for now.
  if (s.substr(0, 2) == "08" || s.substr(0, 3) == "57P" || s.empty()) return ErrorKind::connection;
  return ErrorKind::other;
}

Param to_param(std::string_view v) { return std::string(v); }
Param to_param(int64_t v) { return std::to_string(v); }
Param to_param(bool v) { return std::string(v ? "t" : "f"); }
Param to_param(Bytes v) { return "\\x" + crypto::hex(v.data); }
Param to_param(const std::vector<std::string>& v) {
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : v[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

bool Row::is_null(int col) const { return PQgetisnull(result_.raw(), row_, col); }
std::string Row::text(int col) const {
  return std::string(PQgetvalue(result_.raw(), row_, col), size_t(PQgetlength(result_.raw(), row_, col)));
}
std::optional<std::string> Row::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}
int64_t Row::int64(int col) const { return is_null(col) ? 0 : std::stoll(text(col)); }
bool Row::boolean(int col) const { return !is_null(col) && text(col) == "t"; }
std::string Row::bytes(int col) const {
  if (is_null(col)) return {};
  size_t len = 0;
  unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(result_.raw(), row_, col)), &len);
  if (!raw) throw std::bad_alloc();
  std::string out(reinterpret_cast<char*>(raw), len);
  PQfreemem(raw);
  return out;
}
std::vector<std::string> Row::text_array(int col) const {
  // Parses PostgreSQL's text[] output: {a,"b c",NULL}
  std::vector<std::string> out;
  std::string s = text(col);
  if (s.size() < 2) return out;
  size_t i = 1;
  while (i < s.size() - 1) {
    std::string item;
    if (s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        item += s[i++];
      }
      ++i;  // closing quote
    } else {
      while (i < s.size() - 1 && s[i] != ',') item += s[i++];
    }
    out.push_back(std::move(item));
    if (i < s.size() && s[i] == ',') ++i;
  }
  return out;
}

int64_t Result::affected() const {
  const char* n = PQcmdTuples(res_.get());
  return (n && *n) ? std::stoll(n) : 0;
}

namespace {
[[noreturn]] void raise(PGconn* conn, PGresult* r) {
  std::string state, constraint, message;
  if (r) {
    if (const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE)) state = s;
    if (const char* c = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME)) constraint = c;
    if (const char* m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)) message = m;
    PQclear(r);
  }
  if (message.empty()) message = PQerrorMessage(conn);
  throw Error(classify(state), state, constraint, message);
}

void check(PGconn* conn, PGresult* r) {
  auto st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) raise(conn, r);
}
} // namespace

Connection::Connection(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn_);
    PQfinish(conn_);
    conn_ = nullptr;
    throw Error(ErrorKind::connection, "08000", "", "cannot connect to PostgreSQL: " + msg);
  }
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

bool Connection::ok() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

void Connection::reset() {
  prepared_.clear();
  PQreset(conn_);
}

Result Connection::exec_params(std::string_view sql, const std::vector<Param>& params) {
  std::string key(sql);
  auto it = prepared_.find(key);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size());
    PGresult* r = PQprepare(conn_, name.c_str(), key.c_str(), int(params.size()), nullptr);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
      if (!ok()) prepared_.clear();
      raise(conn_, r);
    }
    PQclear(r);
    it = prepared_.emplace(std::move(key), std::move(name)).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* r = PQexecPrepared(conn_, it->second.c_str(), int(params.size()), values.data(), nullptr, nullptr, 0);
  if (!r) raise(conn_, nullptr);
  check(conn_, r);
  return Result(r);
}

namespace {
// The pools of a process (normally one) add up in these series.
struct PoolMetrics {
  prometheus::Gauge& in_use = metrics::gauge("civic_db_pool_connections", "Database connections by state.")
                                  .Add({{"state", "in_use"}});
  prometheus::Gauge& idle = metrics::gauge("civic_db_pool_connections", "Database connections by state.")
                                .Add({{"state", "idle"}});
  prometheus::Gauge& size = metrics::gauge("civic_db_pool_max_connections", "Connections the pool may open.").Add({});
  prometheus::Histogram& wait = metrics::histogram("civic_db_pool_acquire_seconds",
                                                   "Time a caller waited for a database connection.")
                                    .Add({}, metrics::latency_buckets());
  prometheus::Counter& exhausted = metrics::counter("civic_db_pool_exhausted_total",
                                                    "Callers refused after waiting the pool's timeout for a connection.")
                                       .Add({});
};
PoolMetrics& pool_metrics() {
  static PoolMetrics m;
  return m;
}
} // namespace

Pool::Pool(std::string conninfo, size_t size, std::chrono::milliseconds acquire_timeout)
    : conninfo_(std::move(conninfo)), size_(size), acquire_timeout_(acquire_timeout) {
  pool_metrics().size.Increment(double(size_));
}

Pool::~Pool() {
  auto& m = pool_metrics();
  m.size.Decrement(double(size_));
  m.idle.Decrement(double(idle_.size()));
}

std::unique_ptr<Connection> Pool::acquire() {
  auto& m = pool_metrics();
  auto started = std::chrono::steady_clock::now();
  auto waited = [&] { m.wait.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()); };
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      m.idle.Decrement();
      m.in_use.Increment();
      lock.unlock();
      waited();
      if (!c->ok()) c->reset();
      return c;
    }
    if (opened_ < size_) {
      ++opened_;
      lock.unlock();
      try {
        auto c = std::make_unique<Connection>(conninfo_);
        m.in_use.Increment();
        waited();
        return c;
      } catch (...) {
        std::lock_guard again(mutex_);
        --opened_;
        cv_.notify_one();
        throw;
      }
    }
    if (!cv_.wait_for(lock, acquire_timeout_, [&] { return !idle_.empty() || opened_ < size_; })) {
      m.exhausted.Increment();
      throw Error(ErrorKind::connection, "08000", "", "database pool exhausted");
    }
  }
}

void Pool::release(std::unique_ptr<Connection> c) {
  auto& m = pool_metrics();
  std::lock_guard lock(mutex_);
  m.in_use.Decrement();
  if (c && c->ok()) {
    idle_.push_back(std::move(c));
    m.idle.Increment();
  } else {
    --opened_;
  }
  cv_.notify_one();
}

bool Pool::healthy() {
  try {
    return read([](Tx& tx) { return tx.exec("SELECT 1").size() == 1; });
  } catch (const Error&) {
    return false;
  }
}

} // namespace civic::db
