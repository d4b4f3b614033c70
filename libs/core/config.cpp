#include "core/config.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace civic::config {

std::string str(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::string(v) : fallback;
}

int64_t integer(const char* name, int64_t fallback, int64_t min, int64_t max) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  size_t used = 0;
  int64_t n = 0;
  try {
    n = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != std::char_traits<char>::length(v) || n < min || n > max)
    throw std::invalid_argument(std::string(name) + " must be an integer in range");
  return n;
}

bool boolean(const char* name, bool fallback) {
  std::string v = str(name, "");
  if (v.empty()) return fallback;
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off") return false;
  throw std::invalid_argument(std::string(name) + " must be true or false");
}

std::vector<std::string> list(const char* name, const std::string& fallback) {
  std::vector<std::string> items;
  std::istringstream in(str(name, fallback));
  for (std::string item; std::getline(in, item, ',');) {
    auto space = [](unsigned char c) { return std::isspace(c) != 0; };
    item.erase(item.begin(), std::find_if_not(item.begin(), item.end(), space));
    item.erase(std::find_if_not(item.rbegin(), item.rend(), space).base(), item.end());
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

std::string secret(const char* name, size_t min_bytes) {
  std::string v = str(name, "");
  if (v.size() < min_bytes)
    throw std::invalid_argument(std::string(name) + " must be set to a secret of at least " +
                                std::to_string(min_bytes) + " characters");
  return v;
}

} // namespace civic::config
