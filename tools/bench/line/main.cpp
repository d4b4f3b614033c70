// Issue 16 item 5: a matching message fanned out to COUNT LINE friends who linked their
// account (default 10,000: 20 multicast calls of 500). Makes the friends in the
// notification database if they are not there (sealed as the service seals them), then
// delivers the line.push events as matching's relay would (500 recipients each, over
// gRPC, signed) and prints how long until they are queued and until the loopback LINE API
// has accepted every call. Target: < 2 s in all.
// Env: NOTIFICATION_DB_URL, NOTIFICATION_SERVICE_ADDR, LINE_API_BASE, INTERNAL_HMAC_KEY,
// CIVIC_ENCRYPTION_KEYS. Usage: civic_bench_line [COUNT]
#include <curl/curl.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "civic/events.grpc.pb.h"
#include "core/config.h"
#include "core/crypto.h"
#include "notification/line.h"
#include "rpc/principal.h"

namespace {
size_t collect(char* p, size_t s, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, s * n);
  return s * n;
}
std::string fetch(const std::string& method, const std::string& url) {
  CURL* c = curl_easy_init();
  std::string out;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "POST") curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{}");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
  CURLcode rc = curl_easy_perform(c);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK) throw std::runtime_error(url + ": " + curl_easy_strerror(rc));
  return out;
}
} // namespace

int main(int argc, char** argv) {
  using namespace civic;
  using clock = std::chrono::steady_clock;
  int count = argc > 1 ? std::atoi(argv[1]) : 10000;
  try {
    std::string key = config::secret("INTERNAL_HMAC_KEY");
    db::Pool db(config::str("NOTIFICATION_DB_URL", ""), 1);
    crypto::Sealer sealer = crypto::Sealer::from_env();
    std::string line_api = config::str("LINE_API_BASE", "");

    // The bench's friends: following, each linked to an account of its own.
    std::vector<std::pair<std::string, std::string>> friends;  // account, member
    db.transaction([&](db::Tx& tx) {
      for (const auto& r : tx.exec("SELECT account_id::text FROM line_friends WHERE legacy_id LIKE 'bench-%' "
                                   "AND state = 'following' AND account_id IS NOT NULL ORDER BY legacy_id LIMIT $1",
                                   count))
        friends.emplace_back(r.text(0), crypto::uuid_v4());
      for (int i = int(friends.size()); i < count; ++i) {
        std::string id = crypto::uuid_v4(), account = crypto::uuid_v4();
        std::string user = "U" + crypto::hex(crypto::random_bytes(16));
        tx.exec("INSERT INTO line_friends (id, legacy_id, line_user_key, line_user_id_sealed, source, account_id, "
                "linked_at, followed_at) VALUES ($1::uuid, $2, $3::bytea, $4::bytea, 'import', $5::uuid, now(), now())",
                id, "bench-" + std::to_string(1000000 + i), db::Bytes{notification::line_user_key(key, user)},
                db::Bytes{sealer.seal(user, id)}, account);
        friends.emplace_back(account, crypto::uuid_v4());
      }
    });
    fetch("POST", line_api + "/_test/reset");

    auto stub = events::EventSink::NewStub(
        grpc::CreateChannel(config::str("NOTIFICATION_SERVICE_ADDR", "127.0.0.1:50052"), grpc::InsecureChannelCredentials()));
    std::string recruitment = crypto::uuid_v4();
    auto t0 = clock::now();
    int events = 0;
    for (size_t at = 0; at < friends.size(); at += 500) {
      events::LinePushRequested push;
      push.set_id(crypto::uuid_v4());
      push.set_recruitment_id(recruitment);
      push.set_title("ベンチマーク募集");
      push.set_organization_name("ベンチマークの会");
      push.set_url("https://example.jp/aikasanet/recruitments/" + recruitment);
      for (size_t i = at; i < friends.size() && i < at + 500; ++i) {
        auto* to = push.add_recipients();
        to->set_account_id(friends[i].first);
        to->set_member_id(friends[i].second);
      }
      events::Event ev;
      ev.set_id(crypto::uuid_v4());
      ev.set_type("line.push");
      ev.set_producer("matching");
      ev.set_payload(push.SerializeAsString());
      grpc::ClientContext ctx;
      rpc::Principal p;
      p.add_roles("service");
      p.set_caller("matching");
      rpc::attach(ctx, p, key);
      events::DeliverResponse resp;
      grpc::Status st = stub->Deliver(&ctx, ev, &resp);
      if (!st.ok()) throw std::runtime_error("Deliver: " + st.error_message());
      ++events;
    }
    double queued_ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();

    size_t calls = 0, recipients = 0;
    auto deadline = clock::now() + std::chrono::seconds(60);
    while (clock::now() < deadline) {
      auto j = nlohmann::json::parse(fetch("GET", line_api + "/_test/requests"));
      calls = recipients = 0;
      for (const auto& r : j["requests"])
        if (r["kind"] == "multicast") {
          ++calls;
          recipients += r["to"].size();
        }
      if (recipients >= friends.size()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    double pushed_ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
    std::cout << "LINE fan-out to " << friends.size() << " linked friends (issue 16, target < 2000 ms)\n"
              << "  line.push events delivered (queued):  " << events << " in " << queued_ms << " ms\n"
              << "  multicast calls accepted by LINE API: " << calls << " (" << recipients << " recipients) after "
              << pushed_ms << " ms\n";
    return recipients >= friends.size() ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "civic_bench_line: " << e.what() << "\n";
    return 1;
  }
}
