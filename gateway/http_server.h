// Pistache adapter: converts Pistache requests into HttpRequest, runs the Gateway,
// writes the HttpResponse. Also serves a bare hello endpoint for the benchmark.
#pragma once
#include <pistache/endpoint.h>
#include <pistache/http.h>

#include <memory>

#include "gateway/gateway.h"

namespace civic::gateway {

class HttpHandler : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(HttpHandler)
  explicit HttpHandler(std::shared_ptr<Gateway> gateway) : gateway_(std::move(gateway)) {}
  void onRequest(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) override;

 private:
  std::shared_ptr<Gateway> gateway_;
};

/// Converts a Pistache request (headers lower-cased, cookies re-joined).
HttpRequest from_pistache(const Pistache::Http::Request& request);

} // namespace civic::gateway
