#include "core/paging.h"

#include <algorithm>

#include "core/crypto.h"

namespace civic::paging {

// The token is the base64url of the next offset: opaque to clients, checked on the way in.
Page read(validation::Errors& e, int32_t page_size, std::string_view page_token) {
  Page page;
  if (page_size != 0) {
    if (page_size < 1 || page_size > 100)
      e.add("page_size", "out_of_range", "1から100の間で指定してください", "must be between 1 and 100");
    else
      page.limit = page_size;
  }
  if (!page_token.empty()) {
    auto raw = crypto::base64url_decode(page_token);
    if (!raw || raw->empty() || raw->size() > 9 || !std::all_of(raw->begin(), raw->end(), ::isdigit))
      e.add("page_token", "invalid_format", "ページ指定が正しくありません", "is not a valid page token");
    else
      page.offset = std::stoi(*raw);
  }
  return page;
}

std::string next_token(const Page& page, size_t returned, int64_t total) {
  int64_t next = int64_t(page.offset) + int64_t(returned);
  return next < total ? crypto::base64url(std::to_string(next)) : "";
}

} // namespace civic::paging
