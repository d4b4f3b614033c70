// OpenAPI 3 description generated from the same route table the gateway serves (GW-6).
#pragma once
#include <string>

#include "gateway/routes.h"

namespace civic::gateway {

/// The whole REST surface as an OpenAPI 3.0.3 JSON document.
std::string openapi_document(const RouteTable& routes);

} // namespace civic::gateway
