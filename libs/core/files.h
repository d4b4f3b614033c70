// Uploaded files (SEC-3, SEC-12, SEC-13): the type is decided by the content, from an
// allow-list, never by the name or the declared Content-Type; names are kept only for
// display and downloads.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "core/validation.h"

namespace civic::files {

struct Kind {
  std::string mime;       // e.g. "application/pdf"
  std::string extension;  // e.g. "pdf"
};

/// The type of `data` when it is one of PDF, PNG, JPEG, DOCX or XLSX (Office files
/// with macros are refused); nullopt for anything else, whatever its name says.
std::optional<Kind> sniff(std::string_view data);

/// A name safe to show and to offer in Content-Disposition: the last path component,
/// invalid UTF-8 and control characters removed, at most 100 characters; "file" when
/// nothing is left.
std::string display_name(std::string_view uploaded_name);

/// An uploaded picture and its alternative text (JIS X 8341-3 1.1.1): adds field errors
/// for "alt" (required, <= 300 characters) and "file" (PNG or JPEG by content, at most
/// `max_bytes`) and returns the picture's type when both are fine.
std::optional<Kind> checked_image(validation::Errors& e, std::string_view alt, std::string_view data, size_t max_bytes);

} // namespace civic::files
