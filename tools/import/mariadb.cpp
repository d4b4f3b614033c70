#include "import/mariadb.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <mysql.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <thread>

#include "core/crypto.h"

extern char** environ;

namespace civic::import {
namespace {

namespace fs = std::filesystem;

// A free loopback port: bound by the kernel's choice, then released for the server.
int free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (s < 0 || ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (s >= 0) ::close(s);
    throw std::runtime_error("no free port for MariaDB");
  }
  ::close(s);
  return ntohs(a.sin_port);
}

// Runs `argv` (no shell) with stdin from `in` (or /dev/null) and stdout and stderr
// appended to `log`; returns its pid.
pid_t spawn(const std::vector<std::string>& argv, const std::string& in, const std::string& log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in.empty() ? "/dev/null" : in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error(argv[0] + ": cannot be started (is mariadb-server installed?)");
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string tail_of(const std::string& path, size_t bytes = 1500) {
  std::ifstream in(path, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

std::string quoted(const std::string& identifier) { return "`" + identifier + "`"; }  // checked by load_mappings

// The server runs as the unprivileged `mysql` user (Debian's) when we are root.
const passwd* server_user() { return ::geteuid() == 0 ? ::getpwnam("mysql") : nullptr; }

void own(const fs::path& p, const passwd* user) {
  if (user && ::chown(p.c_str(), user->pw_uid, user->pw_gid) != 0)
    throw std::runtime_error("cannot hand " + p.string() + " to the mysql user");
}

} // namespace

struct ThrowawayMariaDB::Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

namespace {

ThrowawayMariaDB::Table query(st_mysql* db, const std::string& sql) {
  if (mysql_real_query(db, sql.data(), sql.size()) != 0)
    throw std::runtime_error(std::string("the dump: ") + mysql_error(db));
  MYSQL_RES* res = mysql_use_result(db);
  if (!res) throw std::runtime_error(std::string("the dump: ") + mysql_error(db));
  ThrowawayMariaDB::Table t;
  unsigned n = mysql_num_fields(res);
  MYSQL_FIELD* fields = mysql_fetch_fields(res);
  for (unsigned i = 0; i < n; ++i) t.columns.emplace_back(fields[i].name);
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    unsigned long* len = mysql_fetch_lengths(res);
    std::vector<std::string> r(n);
    for (unsigned i = 0; i < n; ++i)
      if (row[i]) r[i].assign(row[i], len[i]);
    t.rows.push_back(std::move(r));
  }
  bool failed = mysql_errno(db) != 0;
  mysql_free_result(res);
  if (failed) throw std::runtime_error(std::string("the dump: ") + mysql_error(db));
  return t;
}

} // namespace

ThrowawayMariaDB::ThrowawayMariaDB(const std::string& work_dir) {
  const passwd* user = server_user();
  if (::geteuid() == 0 && !user) throw std::runtime_error("the mysql user is missing (install mariadb-server)");
  if (user) {
    // The mysql user cannot pass through our private directories (.run is 0700): its
    // own fresh directory under /tmp, as tools/dev does for PostgreSQL.
    std::string pattern = (fs::temp_directory_path() / "civic-import-mariadb.XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot make a directory for MariaDB under /tmp");
    dir_ = pattern;
  } else {
    dir_ = fs::absolute(work_dir) / "mariadb";
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace);  // the dump holds personal data
  own(dir_, user);
  std::string log = dir_ + "/server.log";
  std::vector<std::string> as_user = user ? std::vector<std::string>{"--user=mysql"} : std::vector<std::string>{};
  std::vector<std::string> install = {"mariadb-install-db", "--no-defaults", "--datadir=" + dir_ + "/data",
                                      "--auth-root-authentication-method=normal", "--skip-test-db"};
  install.insert(install.end(), as_user.begin(), as_user.end());
  if (wait_for(spawn(install, "", log)) != 0)
    throw std::runtime_error("mariadb-install-db failed:\n" + tail_of(log));
  port_ = free_port();
  std::vector<std::string> server = {
      "mariadbd", "--no-defaults", "--datadir=" + dir_ + "/data", "--socket=" + dir_ + "/mysqld.sock",
      "--port=" + std::to_string(port_), "--bind-address=127.0.0.1", "--pid-file=" + dir_ + "/mysqld.pid",
      "--skip-log-bin", "--skip-name-resolve", "--character-set-server=utf8mb4",
      "--collation-server=utf8mb4_unicode_ci", "--innodb-buffer-pool-size=128M",
      // A throwaway copy: durability is not wanted, loading speed is.
      "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--max-allowed-packet=256M"};
  server.insert(server.end(), as_user.begin(), as_user.end());
  server_ = spawn(server, "", log);

  // Ready when root can connect over the socket (no password yet); then it gets a random one.
  db_ = mysql_init(nullptr);
  mysql_optionsv(db_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  std::string socket = dir_ + "/mysqld.sock";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!mysql_real_connect(db_, nullptr, "root", nullptr, nullptr, 0, socket.c_str(), 0)) {
    int status = 0;
    if (::waitpid(server_, &status, WNOHANG) == server_) {
      server_ = -1;
      throw std::runtime_error("mariadbd stopped:\n" + tail_of(log));
    }
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("mariadbd did not start:\n" + tail_of(log));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  password_ = crypto::random_token(24);
  for (std::string sql : {"ALTER USER 'root'@'localhost' IDENTIFIED BY '" + password_ + "'",  // base64url: no quote
                          std::string("CREATE DATABASE legacy CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")})
    if (mysql_real_query(db_, sql.data(), sql.size()) != 0) throw std::runtime_error(mysql_error(db_));
  if (mysql_select_db(db_, "legacy") != 0) throw std::runtime_error(mysql_error(db_));
  // The client reads the password from a file only it and we can read, never from argv.
  std::ofstream(dir_ + "/client.cnf") << "[client]\nuser=root\npassword=" << password_ << "\nsocket=" << socket
                                       << "\ndefault-character-set=utf8mb4\n";
  fs::permissions(dir_ + "/client.cnf", fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
}

ThrowawayMariaDB::~ThrowawayMariaDB() {
  if (db_) mysql_close(db_);
  if (server_ > 0) {
    ::kill(server_, SIGTERM);
    wait_for(server_);
  }
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

std::string ThrowawayMariaDB::log_tail() const { return tail_of(dir_ + "/load.log"); }

void ThrowawayMariaDB::load(const std::string& dump) {
  if (!fs::is_regular_file(dump)) throw std::runtime_error(dump + ": no such file");
  std::vector<std::string> client = {"mariadb", "--defaults-file=" + dir_ + "/client.cnf", "--batch", "legacy"};
  if (wait_for(spawn(client, fs::absolute(dump).string(), dir_ + "/load.log")) != 0)
    throw std::runtime_error(dump + " does not load:\n" + log_tail());
}

// Several mappings read one table (wp_posts by post type): each query runs once.
const ThrowawayMariaDB::Table& ThrowawayMariaDB::cached(const std::string& sql) {
  auto& slot = cache_[sql];
  if (!slot) slot = std::make_shared<const Table>(query(db_, sql));
  return *slot;
}

std::vector<Record> ThrowawayMariaDB::rows(const TableSource& t) {
  const Table& table = cached("SELECT * FROM " + quoted(t.name) + " ORDER BY " + quoted(t.id));
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < table.columns.size(); ++i) index[table.columns[i]] = i;
  for (const auto& [column, allowed] : t.where)
    if (!index.count(column)) throw std::runtime_error(t.name + " has no column " + column);
  if (!index.count(t.id)) throw std::runtime_error(t.name + " has no column " + t.id);

  // Meta keys and taxonomy terms per row id, as extra columns.
  std::map<std::string, std::map<std::string, std::string>> extra;
  std::set<std::string> extra_columns;
  if (!t.meta_table.empty()) {
    const Table& meta = cached("SELECT " + quoted(t.meta_id) + ", meta_key, meta_value FROM " + quoted(t.meta_table) +
                                " ORDER BY meta_id");
    for (const auto& r : meta.rows) {
      extra[r[0]].emplace("meta:" + r[1], r[2]);  // a key given twice: the first, as get_post_meta(id, key, true)
      extra_columns.insert("meta:" + r[1]);
    }
  }
  if (!t.terms_prefix.empty()) {
    const std::string& p = t.terms_prefix;
    const Table& terms = cached("SELECT tr.object_id, tt.taxonomy, te.name FROM " + quoted(p + "term_relationships") +
                                 " tr JOIN " + quoted(p + "term_taxonomy") +
                                 " tt ON tt.term_taxonomy_id = tr.term_taxonomy_id JOIN " + quoted(p + "terms") +
                                 " te ON te.term_id = tt.term_id ORDER BY tr.object_id, tr.term_order, te.term_id");
    for (const auto& r : terms.rows) {
      std::string& names = extra[r[0]]["terms:" + r[1]];
      names += (names.empty() ? "" : "|") + r[2];
      extra_columns.insert("terms:" + r[1]);
    }
  }
  Record header;
  header.fields = table.columns;
  header.fields.insert(header.fields.end(), extra_columns.begin(), extra_columns.end());
  std::vector<Record> out = {header};
  for (const auto& r : table.rows) {
    bool wanted = true;
    for (const auto& [column, allowed] : t.where)
      wanted = wanted && std::find(allowed.begin(), allowed.end(), r[index[column]]) != allowed.end();
    if (!wanted) continue;
    Record rec;
    rec.line = out.size();
    rec.fields = r;
    const auto& more = extra[rec.fields[index[t.id]]];
    for (const auto& column : extra_columns) {
      auto it = more.find(column);
      rec.fields.push_back(it == more.end() ? "" : it->second);
    }
    out.push_back(std::move(rec));
  }
  return out;
}

} // namespace civic::import
