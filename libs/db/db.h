// A small libpq wrapper. SQL text is always a constant with $n placeholders and the
// values travel separately (SEC-1); there is no API that splices values into SQL.
#pragma once
#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace civic::db {

enum class ErrorKind {
  unique_violation,       // 23505
  foreign_key_violation,  // 23503
  check_violation,        // 23514
  not_null_violation,     // 23502
  serialization_failure,  // 40001
  deadlock,               // 40P01
  connection,             // 08xxx, 57Pxx (the server ended the session) or a broken connection
  other,
};

/// A failed statement, classified by SQLSTATE so callers never match message text.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string sqlstate, std::string constraint, const std::string& message);
  ErrorKind kind() const { return kind_; }
  const std::string& sqlstate() const { return sqlstate_; }
  /// The violated constraint's name, when PostgreSQL reports one.
  const std::string& constraint() const { return constraint_; }

 private:
  ErrorKind kind_;
  std::string sqlstate_;
  std::string constraint_;
};

ErrorKind classify(std::string_view sqlstate);

/// bytea parameter (sent as \x hex text).
struct Bytes {
  std::string_view data;
};

/// One statement parameter in text format; nullopt is NULL.
using Param = std::optional<std::string>;

Param to_param(std::string_view v);
inline Param to_param(const std::string& v) { return to_param(std::string_view(v)); }
inline Param to_param(const char* v) { return to_param(std::string_view(v)); }
Param to_param(int64_t v);
inline Param to_param(int v) { return to_param(int64_t{v}); }
Param to_param(bool v);
Param to_param(Bytes v);
Param to_param(const std::vector<std::string>& v);  // text[] literal
inline Param to_param(std::nullopt_t) { return std::nullopt; }
template <class T>
Param to_param(const std::optional<T>& v) {
  return v ? to_param(*v) : std::nullopt;
}

class Result;

/// One row of a Result; columns by index.
class Row {
 public:
  Row(const Result& result, int row) : result_(result), row_(row) {}
  bool is_null(int col) const;
  std::string text(int col) const;  // "" for NULL
  std::optional<std::string> opt_text(int col) const;
  int64_t int64(int col) const;     // 0 for NULL
  bool boolean(int col) const;      // false for NULL
  std::string bytes(int col) const; // decoded bytea
  std::vector<std::string> text_array(int col) const;

 private:
  const Result& result_;
  int row_;
};

class Result {
 public:
  explicit Result(PGresult* r) : res_(r, PQclear) {}
  int size() const { return PQntuples(res_.get()); }
  bool empty() const { return size() == 0; }
  Row operator[](int i) const { return Row(*this, i); }
  /// The rows in order: `for (const auto& row : tx.exec(...))`.
  class iterator {
   public:
    iterator(const Result& r, int i) : result_(&r), row_(i) {}
    Row operator*() const { return Row(*result_, row_); }
    iterator& operator++() {
      ++row_;
      return *this;
    }
    bool operator!=(const iterator& other) const { return row_ != other.row_; }

   private:
    const Result* result_;
    int row_;
  };
  iterator begin() const { return {*this, 0}; }
  iterator end() const { return {*this, size()}; }
  /// Rows changed by INSERT/UPDATE/DELETE.
  int64_t affected() const;
  PGresult* raw() const { return res_.get(); }

 private:
  std::shared_ptr<PGresult> res_;
};

class Connection {
 public:
  explicit Connection(const std::string& conninfo);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Runs one statement. Statements are prepared once per connection and reused.
  Result exec_params(std::string_view sql, const std::vector<Param>& params);
  template <class... A>
  Result exec(std::string_view sql, const A&... args) {
    return exec_params(sql, std::vector<Param>{to_param(args)...});
  }
  bool ok() const;
  void reset();

 private:
  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
};

/// A transaction on a leased connection; Pool::transaction commits or rolls back.
class Tx {
 public:
  explicit Tx(Connection& c) : conn_(c) {}
  template <class... A>
  Result exec(std::string_view sql, const A&... args) {
    return conn_.exec(sql, args...);
  }
  Result exec_params(std::string_view sql, const std::vector<Param>& params) { return conn_.exec_params(sql, params); }

 private:
  Connection& conn_;
};

/// A fixed-size pool of lazily opened connections.
class Pool {
 public:
  Pool(std::string conninfo, size_t size, std::chrono::milliseconds acquire_timeout = std::chrono::seconds(5));
  ~Pool();

  /// Runs `fn(Tx&)` in one transaction (READ COMMITTED unless `serializable`), retrying
  /// up to three times on serialization failure or deadlock; rolls back and rethrows on
  /// any exception.
  template <class F>
  auto transaction(F&& fn, bool serializable = false) -> decltype(fn(std::declval<Tx&>()));

  /// Runs `fn(Tx&)` in autocommit mode, without BEGIN/COMMIT round trips: each
  /// statement stands alone, so use it for reads made of one statement (and probes);
  /// anything that must see or change data consistently belongs in transaction().
  template <class F>
  auto read(F&& fn) -> decltype(fn(std::declval<Tx&>())) {
    Lease lease{*this, acquire()};
    Tx tx(*lease.conn);
    return fn(tx);
  }

  /// True when a connection can run `SELECT 1`.
  bool healthy();

 private:
  struct Lease {
    Pool& pool;
    std::unique_ptr<Connection> conn;
    ~Lease() { pool.release(std::move(conn)); }
  };
  std::unique_ptr<Connection> acquire();
  void release(std::unique_ptr<Connection> c);

  std::string conninfo_;
  size_t size_;
  size_t opened_ = 0;
  std::chrono::milliseconds acquire_timeout_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

template <class F>
auto Pool::transaction(F&& fn, bool serializable) -> decltype(fn(std::declval<Tx&>())) {
  for (int attempt = 1;; ++attempt) {
    Lease lease{*this, acquire()};
    Connection& c = *lease.conn;
    try {
      c.exec(serializable ? "BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN");
      Tx tx(c);
      if constexpr (std::is_void_v<decltype(fn(tx))>) {
        fn(tx);
        c.exec("COMMIT");
        return;
      } else {
        auto out = fn(tx);
        c.exec("COMMIT");
        return out;
      }
    } catch (const Error& e) {
      if (c.ok()) { try { c.exec("ROLLBACK"); } catch (...) { c.reset(); } }
      bool retry = e.kind() == ErrorKind::serialization_failure || e.kind() == ErrorKind::deadlock;
      if (!retry || attempt >= 3) throw;
    } catch (...) {
      if (c.ok()) { try { c.exec("ROLLBACK"); } catch (...) { c.reset(); } }
      throw;
    }
  }
}

/// A WHERE clause of only the filters in use, so each combination gets a plan that can
/// use partial indexes (a generic "($1 = '' OR col = $1)" cannot). Fragments are fixed
/// SQL; every value is a parameter: "$?" in a fragment becomes its number.
class Where {
 public:
  void add(std::string_view fragment, Param value) {
    params_.push_back(std::move(value));
    std::string piece(fragment), n = "$" + std::to_string(params_.size());
    for (size_t at; (at = piece.find("$?")) != std::string::npos;) piece.replace(at, 2, n);
    sql_ += " AND " + piece;
  }
  /// A fragment without a value (a constant condition).
  void add(std::string_view fragment) { sql_ += " AND " + std::string(fragment); }
  const std::string& sql() const { return sql_; }
  const std::vector<Param>& params() const { return params_; }
  /// The number the next parameter will have (for LIMIT / OFFSET after the clause).
  std::string next() const { return "$" + std::to_string(params_.size() + 1); }

 private:
  std::string sql_ = " WHERE true";
  std::vector<Param> params_;
};

/// One page of `select` ("SELECT <columns> FROM <table>") narrowed by `where`, in
/// `order`, and the total number of matching rows — counted up to `count_cap` + 1 when
/// `count_cap` > 0 (a common keyword matches thousands of rows, and counting them all
/// costs far more than the page); `read` turns a row into a Row.
template <typename Row, typename Read>
std::pair<std::vector<Row>, int64_t> select_page(Tx& tx, const std::string& select, const Where& where,
                                                 const std::string& order, int limit, int offset, Read read,
                                                 int64_t count_cap = 0) {
  std::vector<Param> params = where.params();
  params.push_back(to_param(limit));
  params.push_back(to_param(offset));
  Result r = tx.exec_params(select + where.sql() + " ORDER BY " + order + " LIMIT " + where.next() + " OFFSET $" +
                                std::to_string(where.params().size() + 2),
                            params);
  std::pair<std::vector<Row>, int64_t> out;
  for (int i = 0; i < r.size(); ++i) out.first.push_back(read(r[i]));
  std::string from = select.substr(select.find(" FROM "));
  if (count_cap <= 0) {
    out.second = tx.exec_params("SELECT count(*)" + from + where.sql(), where.params())[0].int64(0);
  } else {
    std::vector<Param> capped = where.params();
    capped.push_back(to_param(count_cap + 1));
    out.second = tx.exec_params("SELECT count(*) FROM (SELECT 1" + from + where.sql() + " LIMIT " + where.next() + ") c",
                                capped)[0].int64(0);
  }
  return out;
}

} // namespace civic::db
