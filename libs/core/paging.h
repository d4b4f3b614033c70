// Paging of list calls (SPEC section 4): `page_size` (default 20, 1..100) and an opaque
// `page_token`; lists answer items, next_page_token (empty on the last page), total_size.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/validation.h"

namespace civic::paging {

struct Page {
  int limit = 20;
  int offset = 0;
};

/// Reads page_size and page_token; a bad value adds a field error to `e` and leaves the
/// default in place.
Page read(validation::Errors& e, int32_t page_size, std::string_view page_token);

/// The token of the page after `page` when it returned `returned` of `total` items;
/// empty when nothing follows.
std::string next_token(const Page& page, size_t returned, int64_t total);

/// Fills a list response from one page of rows (`found.items`, `found.total`): each row
/// rendered into a new item, the total and the next page's token.
template <class Found, class Response, class Render>
void fill(const Page& page, const Found& found, Response* out, Render&& render) {
  for (const auto& row : found.items) render(row, out->add_items());
  out->set_total_size(int32_t(found.total));
  out->set_next_page_token(next_token(page, found.items.size(), found.total));
}

} // namespace civic::paging
