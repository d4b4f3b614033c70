// W3C Trace Context and the request's scope (issue 18 item 7): what the gateway takes
// from a client, and what every gRPC call made while serving a request carries.
#include <catch2/catch.hpp>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <future>
#include <mutex>

#include "civic/events.grpc.pb.h"
#include "core/log.h"
#include "core/trace.h"
#include "rpc/principal.h"

using namespace civic;

TEST_CASE("traceparent: the W3C form is read, anything else is refused", "[unit]") {
  const std::string id = "4bf92f3577b34da6a3ce929d0e0e4736";
  CHECK(trace::trace_id_of("00-" + id + "-00f067aa0ba902b7-01") == id);
  CHECK(trace::trace_id_of("00-" + id + "-00f067aa0ba902b7-00") == id);
  // A later version is read by its version-00 prefix, with or without more fields.
  CHECK(trace::trace_id_of("cc-" + id + "-00f067aa0ba902b7-01") == id);
  CHECK(trace::trace_id_of("cc-" + id + "-00f067aa0ba902b7-01-what-the-future-holds") == id);
  for (const std::string& bad : std::vector<std::string>{
           "", "00", "00-" + id + "-00f067aa0ba902b7",                        // short
           "00-" + id + "-00f067aa0ba902b7-01-more",                          // version 00 is exactly 55
           "ff-" + id + "-00f067aa0ba902b7-01",                               // the forbidden version
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",         // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",         // all-zero trace
           "00-" + id + "-0000000000000000-01",                               // all-zero parent
           "00_" + id + "-00f067aa0ba902b7-01", "00-" + id + "x00f067aa0ba902b7-01",
           "0g-" + id + "-00f067aa0ba902b7-01", "00-" + id + "-00f067aa0ba902b7-0z",
           "cc-" + id + "-00f067aa0ba902b7-01x"}) {
    INFO(bad);
    CHECK_FALSE(trace::trace_id_of(bad));
  }
  std::string fresh = trace::new_trace_id();
  CHECK(fresh.size() == 32);
  CHECK(fresh != trace::new_trace_id());
  auto header = trace::traceparent(fresh);
  CHECK(trace::trace_id_of(header) == fresh);
  CHECK(header != trace::traceparent(fresh));  // a new span id each time
}

TEST_CASE("log::RequestScope names the request this thread serves, and nests", "[unit]") {
  CHECK(log::RequestScope::request_id().empty());
  {
    log::RequestScope outer("r1", "t1");
    CHECK(log::RequestScope::request_id() == "r1");
    {
      log::RequestScope inner("r2", "t2");
      CHECK(log::RequestScope::trace_id() == "t2");
    }
    CHECK(log::RequestScope::trace_id() == "t1");
    // Another thread serves another request.
    std::async(std::launch::async, [] { CHECK(log::RequestScope::request_id().empty()); }).get();
  }
  CHECK(log::RequestScope::request_id().empty());
}

namespace {
// What a server received in the metadata of its last call.
struct Seen {
  std::mutex mutex;
  std::string principal, signature, traceparent;
};

class Recorder : public grpc::experimental::Interceptor {
 public:
  explicit Recorder(Seen& seen) : seen_(seen) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* batch) override {
    if (batch->QueryInterceptionHookPoint(grpc::experimental::InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      std::lock_guard lock(seen_.mutex);
      seen_.principal.clear();
      seen_.signature.clear();
      seen_.traceparent.clear();
      for (const auto& [k, v] : *batch->GetRecvInitialMetadata()) {
        std::string key(k.data(), k.size()), value(v.data(), v.size());
        if (key == rpc::kPrincipalKey) seen_.principal = value;
        if (key == rpc::kSignatureKey) seen_.signature = value;
        if (key == "traceparent") seen_.traceparent = value;
      }
    }
    batch->Proceed();
  }

 private:
  Seen& seen_;
};

class RecorderFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RecorderFactory(Seen& seen) : seen_(seen) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo*) override {
    return new Recorder(seen_);
  }

 private:
  Seen& seen_;
};

// A call the server below receives (its EventSink has no methods of its own, so it
// answers UNIMPLEMENTED: only the metadata it received matters here).
bool received(const std::shared_ptr<grpc::Channel>& channel, grpc::ClientContext& ctx) {
  civic::events::Event event;
  civic::events::DeliverResponse answer;
  return civic::events::EventSink::NewStub(channel)->Deliver(&ctx, event, &answer).error_code() ==
         grpc::StatusCode::UNIMPLEMENTED;
}
} // namespace

TEST_CASE("a call made while serving a request carries its id and trace, signed and as a traceparent", "[unit]") {
  Seen seen;
  civic::events::EventSink::Service sink;
  grpc::ServerBuilder builder;
  builder.RegisterService(&sink);
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<RecorderFactory>(seen));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  auto server = builder.BuildAndStart();
  REQUIRE(server);
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  const std::string key = "unit-test-key", trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";

  // Sends `p` as rpc::attach does on this thread; what the server verified and the
  // traceparent it received.
  auto send = [&](const rpc::Principal& p) {
    grpc::ClientContext ctx;
    rpc::attach(ctx, p, key);
    REQUIRE(received(channel, ctx));
    std::lock_guard lock(seen.mutex);
    auto verified = rpc::verify_values(seen.principal, seen.signature, key, std::chrono::seconds(60));
    REQUIRE(verified);
    return std::make_pair(*verified, seen.traceparent);
  };

  log::RequestScope scope("req-42", trace_id);
  rpc::Principal relay;  // a service relaying: no request id or trace of its own
  relay.set_caller("recruitment");
  auto [relayed, first] = send(relay);
  CHECK(relayed.request_id() == "req-42");
  CHECK(relayed.trace_id() == trace_id);
  CHECK(relayed.caller() == "recruitment");
  CHECK(trace::trace_id_of(first) == trace_id);

  // A principal that names its own keeps them; each call has its own span.
  rpc::Principal own;
  own.set_request_id("event-7");
  own.set_trace_id("0af7651916cd43dd8448eb211c80319c");
  auto [kept, second] = send(own);
  CHECK(kept.request_id() == "event-7");
  CHECK(trace::trace_id_of(second) == "0af7651916cd43dd8448eb211c80319c");
  CHECK(second.substr(36, 16) != first.substr(36, 16));

  // Outside any request (a background loop, another thread): no trace to send.
  std::async(std::launch::async, [&] {
    auto [background, none] = send(rpc::Principal{});
    CHECK(none.empty());
    CHECK(background.trace_id().empty());
  }).get();
  server->Shutdown();
}
