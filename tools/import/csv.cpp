#include "import/csv.h"

#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include <memory>

#include "core/validation.h"

namespace civic::import {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool has_high_bytes(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return true;
  return false;
}

} // namespace

std::optional<Encoding> encoding_named(std::string_view n) {
  std::string lower;
  for (char c : n) lower += char(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "utf-8" || lower == "utf8") return Encoding::utf8;
  if (lower == "cp932" || lower == "shift_jis" || lower == "sjis" || lower == "windows-31j") return Encoding::cp932;
  return std::nullopt;
}

std::string_view name(Encoding e) { return e == Encoding::utf8 ? "UTF-8" : "Shift_JIS (CP932)"; }

std::optional<std::string> to_utf8(std::string_view bytes, Encoding from) {
  if (from == Encoding::utf8) return validation::valid_utf8(bytes) ? std::optional<std::string>(bytes) : std::nullopt;
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<UConverter, decltype(&ucnv_close)> conv(ucnv_open("windows-31j", &status), ucnv_close);
  if (U_FAILURE(status)) return std::nullopt;
  // Stop at the first invalid sequence instead of substituting it.
  ucnv_setToUCallBack(conv.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  std::u16string utf16(bytes.size() + 1, u'\0');  // CP932 never takes fewer bytes than UTF-16 units
  int32_t len = ucnv_toUChars(conv.get(), utf16.data(), int32_t(utf16.size()), bytes.data(), int32_t(bytes.size()),
                              &status);
  if (U_FAILURE(status)) return std::nullopt;
  std::string out(size_t(len) * 3 + 1, '\0');
  int32_t written = 0;
  status = U_ZERO_ERROR;
  u_strToUTF8(out.data(), int32_t(out.size()), &written, utf16.data(), len, &status);
  if (U_FAILURE(status)) return std::nullopt;
  out.resize(size_t(written));
  return out;
}

Detection detect(std::string_view bytes) {
  if (bytes.substr(0, kBom.size()) == kBom) return {Encoding::utf8, "UTF-8 として読みます（BOM があります）"};
  size_t lines = 0, utf8 = 0, cp932 = 0;
  for (size_t at = 0; at < bytes.size();) {
    size_t end = bytes.find('\n', at);
    if (end == std::string_view::npos) end = bytes.size();
    std::string_view line = bytes.substr(at, end - at);
    if (has_high_bytes(line)) {
      ++lines;
      if (validation::valid_utf8(line)) ++utf8;
      if (to_utf8(line, Encoding::cp932)) ++cp932;
    }
    at = end + 1;
  }
  if (lines == 0) return {Encoding::utf8, "UTF-8 として読みます（ASCII の文字だけです）"};
  std::string counts = "（日本語を含む " + std::to_string(lines) + " 行のうち UTF-8 として正しい行 " +
                       std::to_string(utf8) + "、CP932 として正しい行 " + std::to_string(cp932) + "）";
  // Nearly every line must read: a few broken ones are then rejected one by one.
  if (utf8 * 100 >= lines * 95) return {Encoding::utf8, "UTF-8 として読みます" + counts};
  if (cp932 * 100 >= lines * 95) return {Encoding::cp932, "Shift_JIS (CP932) として読みます" + counts};
  return {std::nullopt, "文字コードを判定できません" + counts + "。--encoding utf-8 か --encoding cp932 で指定してください"};
}

std::vector<Record> read_csv(std::string_view bytes, Encoding encoding) {
  if (bytes.substr(0, kBom.size()) == kBom) bytes.remove_prefix(kBom.size());
  std::vector<Record> out;
  size_t i = 0, line = 1;
  // The delimiters are ASCII, and no CP932 or UTF-8 multi-byte character holds a byte
  // below 0x40, so records split on raw bytes; fields are decoded afterwards.
  while (i < bytes.size()) {
    Record r;
    r.line = line;
    std::vector<std::string> raw(1);
    bool record_done = false;
    while (!record_done) {
      std::string& field = raw.back();
      bool quoted = i < bytes.size() && bytes[i] == '"';
      if (quoted) {
        ++i;
        bool closed = false;
        while (i < bytes.size()) {
          char c = bytes[i++];
          if (c == '"') {
            if (i < bytes.size() && bytes[i] == '"') {
              field += '"';
              ++i;
            } else {
              closed = true;
              break;
            }
          } else {
            if (c == '\n' || (c == '\r' && (i >= bytes.size() || bytes[i] != '\n'))) ++line;
            field += c;
          }
        }
        if (!closed && r.error.empty()) r.error = "引用符（\"）が閉じられていません";
      }
      // Unquoted text runs to the next comma or line end; after a closing quote there
      // must be nothing.
      size_t start = i;
      while (i < bytes.size() && bytes[i] != ',' && bytes[i] != '\n' && bytes[i] != '\r') ++i;
      if (i > start) {
        if (quoted && r.error.empty()) r.error = "引用符（\"）の後に文字があります";
        field.append(bytes.substr(start, i - start));
      }
      if (i >= bytes.size()) {
        record_done = true;
      } else if (bytes[i] == ',') {
        ++i;
        raw.emplace_back();
      } else {  // a line end
        i += (bytes[i] == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') ? 2 : 1;
        ++line;
        record_done = true;
      }
    }
    if (raw.size() == 1 && raw[0].empty() && r.error.empty()) continue;  // an empty line
    for (auto& f : raw) {
      auto decoded = to_utf8(f, encoding);
      if (!decoded) {
        if (r.error.empty()) r.error = std::string("文字コード（") + std::string(name(encoding)) + "）として正しくない文字があります";
        r.fields.push_back({});
      } else {
        r.fields.push_back(std::move(*decoded));
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

} // namespace civic::import
