#include "core/files.h"

#include "core/validation.h"

namespace civic::files {
namespace {
bool starts(std::string_view data, std::string_view magic) { return data.substr(0, magic.size()) == magic; }
bool has(std::string_view data, std::string_view part) { return data.find(part) != std::string_view::npos; }
} // namespace

std::optional<Kind> sniff(std::string_view data) {
  if (starts(data, "%PDF-")) return Kind{"application/pdf", "pdf"};
  if (starts(data, std::string_view("\x89PNG\r\n\x1a\n", 8))) return Kind{"image/png", "png"};
  if (starts(data, "\xFF\xD8\xFF")) return Kind{"image/jpeg", "jpg"};
  // Office Open XML is a ZIP whose entry names (stored in plain text) say what it is.
  if (starts(data, std::string_view("PK\x03\x04", 4)) && has(data, "[Content_Types].xml")) {
    if (has(data, "vbaProject.bin")) return std::nullopt;  // macros: refused
    if (has(data, "word/document.xml"))
      return Kind{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"};
    if (has(data, "xl/workbook.xml"))
      return Kind{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"};
  }
  return std::nullopt;
}

std::string display_name(std::string_view uploaded_name) {
  auto slash = uploaded_name.find_last_of("/\\");
  std::string_view base = slash == std::string_view::npos ? uploaded_name : uploaded_name.substr(slash + 1);
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < base.size() && chars < 100;) {
    unsigned char c = static_cast<unsigned char>(base[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    std::string_view cp = len ? base.substr(i, len) : base.substr(i, 1);
    i += len ? len : 1;
    if (!len || cp.size() != len || !validation::valid_utf8(cp) || validation::has_control(cp, false)) continue;
    out += cp;
    ++chars;
  }
  while (!out.empty() && (out.front() == '.' || out.front() == ' ')) out.erase(0, 1);  // no hidden or ".." names
  return out.empty() ? "file" : out;
}

std::optional<Kind> checked_image(validation::Errors& e, std::string_view alt, std::string_view data, size_t max_bytes) {
  bool alt_ok = e.text("alt", alt, {.max_chars = 300});
  std::optional<Kind> kind;
  if (data.empty()) {
    e.add("file", "required", "画像ファイルを選んでください", "an image file is required");
  } else if (data.size() > max_bytes) {
    e.add("file", "too_large", "画像は" + std::to_string(max_bytes >> 20) + "MBまでです",
          "at most " + std::to_string(max_bytes >> 20) + " MB");
  } else if (!(kind = sniff(data)) || (kind->mime != "image/png" && kind->mime != "image/jpeg")) {
    e.add("file", "type_not_allowed", "PNG・JPEG の画像だけを登録できます", "only PNG and JPEG content is accepted");
    kind.reset();
  }
  return alt_ok && kind ? kind : std::nullopt;
}

} // namespace civic::files
