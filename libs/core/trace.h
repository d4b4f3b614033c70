// W3C Trace Context (https://www.w3.org/TR/trace-context/): the gateway takes a client's
// `traceparent` or starts a trace; every gRPC call carries the trace id (signed, in the
// principal) and a `traceparent` header, so one request is followed across every service
// by its trace id in their logs (OpenTelemetry-compatible ids; no tracing backend).
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace civic::trace {

/// The trace id (32 lowercase hex digits) of a valid `traceparent` header value
/// ("00-<trace-id>-<parent-id>-<flags>"; a later version's longer value is read by the
/// version-00 prefix), or nullopt: malformed, all-zero ids or version ff.
std::optional<std::string> trace_id_of(std::string_view traceparent);
/// A new random trace id.
std::string new_trace_id();
/// "00-<trace_id>-<a new span id>-01" for an outgoing call.
std::string traceparent(std::string_view trace_id);

} // namespace civic::trace
