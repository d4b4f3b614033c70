// A throwaway database on the test cluster (TEST_PG_ADMIN_URL), dropped afterwards.
#pragma once
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "core/crypto.h"
#include "db/db.h"

namespace civic::testing {

class FreshDatabase {
 public:
  FreshDatabase() {
    const char* admin = std::getenv("TEST_PG_ADMIN_URL");
    if (!admin || !*admin) throw std::runtime_error("TEST_PG_ADMIN_URL is not set: run the tests with tools/dev test");
    admin_ = admin;
    name_ = "t_" + crypto::hex(crypto::random_bytes(6));
    db::Connection(admin_).exec("SELECT 1");  // fail early with a clear error
    PGconn* c = PQconnectdb(admin_.c_str());
    PQclear(PQexec(c, ("CREATE DATABASE " + name_).c_str()));
    PQfinish(c);
    url_ = admin_.substr(0, admin_.rfind('/') + 1) + name_;
  }
  ~FreshDatabase() {
    PGconn* c = PQconnectdb(admin_.c_str());
    PQclear(PQexec(c, ("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)").c_str()));
    PQfinish(c);
  }
  const std::string& url() const { return url_; }

 private:
  std::string admin_, name_, url_;
};

} // namespace civic::testing
