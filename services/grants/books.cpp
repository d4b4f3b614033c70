// Grants service, GRT-2: the library catalogue, staff-entered under the review workflow.
#include <regex>

#include "core/crypto.h"
#include "core/log.h"
#include "core/paging.h"
#include "core/validation.h"
#include "grants/service.h"
#include "rpc/declared.h"
#include "rpc/server.h"
#include "text/text.h"
#include "workflow/workflow.h"

namespace civic::grants {
namespace {
using grpc::Status;
using grpc::StatusCode;
using rpc::Principal;
using validation::Errors;

const std::regex kPublishedOn("[0-9]{4}(-(0[1-9]|1[0-2])(-[0-9]{2})?)?");
const std::regex kReceipt("[A-Za-z0-9-]{1,30}");

using rpc::not_found;

Errors validate(const Book& b) {
  Errors e;
  e.text("title", b.title(), {.max_chars = 300});
  e.text("author", b.author(), {.required = false, .max_chars = 200});
  e.text("description", b.description(), {.required = false, .max_chars = 4000, .multiline = true});
  e.text("publisher", b.publisher(), {.required = false, .max_chars = 200});
  if (e.text("published_on", b.published_on(), {.required = false, .max_chars = 10}) && !b.published_on().empty() &&
      (!std::regex_match(b.published_on(), kPublishedOn) ||
       (b.published_on().size() == 10 && !validation::is_date(b.published_on()))))
    e.add("published_on", "invalid_format", "発行年月は YYYY、YYYY-MM または YYYY-MM-DD で入力してください",
          "must be YYYY, YYYY-MM or YYYY-MM-DD");
  if (e.text("receipt_number", b.receipt_number(), {.max_chars = 30}) && !std::regex_match(b.receipt_number(), kReceipt))
    e.add("receipt_number", "invalid_format", "受入番号は半角英数字とハイフンで入力してください", "letters, digits and hyphens");
  rpc::check_declared(b, e);
  return e;
}

BookRow row_of(const Book& b) {
  BookRow row;
  row.title = b.title();
  row.author = b.author();
  row.description = b.description();
  row.publisher = b.publisher();
  row.published_on = b.published_on();
  row.receipt_number = b.receipt_number();
  std::vector<std::string_view> parts = {b.title(), b.author(), b.publisher(), b.description()};
  row.search_grams = text::index_grams(parts);
  row.search_text = text::search_text(parts);
  return row;
}

void to_proto(const BookRow& row, bool full, Book* out) {
  out->set_id(row.id);
  out->set_title(row.title);
  out->set_author(row.author);
  out->set_description(row.description);
  out->set_publisher(row.publisher);
  out->set_published_on(row.published_on);
  out->set_receipt_number(row.receipt_number);
  out->set_published_at(row.published_at);
  out->set_updated_at(row.updated_at);
  if (!full) return;
  out->set_state(row.state);
  out->set_version(row.version);
}
} // namespace

template <class Request>
Status GrantsServiceImpl::list_books(grpc::ServerContext* ctx, bool staff_only, const std::string& state,
                                     const Request& req, ListBooksResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, staff_only ? "AdminListBooks" : "ListBooks", [&](const Principal& p) {
    if (staff_only)
      if (Status s = rpc::require_staff(p); !s.ok()) return s;
    Errors e;
    text::Query query;
    if (e.text("q", req.q(), {.required = false, .max_chars = 100}))
      query = text::query(req.q(), taxonomies_.snapshot()->variants());
    rpc::check_declared(req, e);
    store::BookDetail detail;
    if (e.text("author", req.author(), {.required = false, .max_chars = 100})) detail.author = text::normalize(req.author());
    if (e.text("publisher", req.publisher(), {.required = false, .max_chars = 100}))
      detail.publisher = text::normalize(req.publisher());
    detail.year = req.year();
    if (detail.year != 0 && (detail.year < 1000 || detail.year > 9999))
      e.add("year", "out_of_range", "発行年は4桁の西暦で指定してください", "a four-digit year");
    paging::Page page = paging::read(e, req.page_size(), req.page_token());
    if (!e.empty()) return rpc::invalid(e);
    if (!staff_only) {  // the public catalogue: from memory
      search::Page found = books_.search(
          query,
          [&](const BookHot& h, const BookCold& c) {
            return (detail.year == 0 || h.year == detail.year) &&
                   (detail.author.empty() || c.author.find(detail.author) != std::string::npos) &&
                   (detail.publisher.empty() || c.publisher.find(detail.publisher) != std::string::npos);
          },
          page.limit, page.offset,
          std::to_string(detail.year) + "\x1f" + detail.author + "\x1f" + detail.publisher);  // no control characters in them
      for (const auto& row : pool_.read([&](db::Tx& tx) { return store::find_published_books(tx, found.ids); }))
        to_proto(row, false, resp->add_items());
      resp->set_total_size(int32_t(found.total));
      resp->set_next_page_token(paging::next_token(page, found.ids.size(), found.total));
      return Status::OK;
    }
    auto found = pool_.read(
        [&](db::Tx& tx) { return store::list_books(tx, state, query, detail, page.limit, page.offset); });
    for (const auto& row : found.items) to_proto(row, staff_only, resp->add_items());
    resp->set_total_size(int32_t(found.total));
    resp->set_next_page_token(paging::next_token(page, found.items.size(), found.total));
    return Status::OK;
  });
}

Status GrantsServiceImpl::ListBooks(grpc::ServerContext* ctx, const ListBooksRequest* req, ListBooksResponse* resp) {
  return list_books(ctx, false, "published", *req, resp);
}

Status GrantsServiceImpl::AdminListBooks(grpc::ServerContext* ctx, const AdminListBooksRequest* req,
                                         ListBooksResponse* resp) {
  return list_books(ctx, true, req->state(), *req, resp);
}

Status GrantsServiceImpl::GetBook(grpc::ServerContext* ctx, const GetBookRequest* req, Book* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetBook", [&](const Principal& p) {
    if (!validation::is_uuid(req->id())) return not_found();
    auto row = pool_.read([&](db::Tx& tx) { return store::find_book(tx, req->id()); });
    bool staff = rpc::is_staff(p);
    if (!row || (row->state != "published" && !staff)) return not_found();
    to_proto(*row, staff, resp);
    return Status::OK;
  });
}

rpc::Collection<BookRow, Book> GrantsServiceImpl::book_collection() {
  return {
      .entity = "book",
      .pool = &pool_,
      .hmac_key = &config_.hmac_key,
      .find = [](db::Tx& tx, const std::string& id, bool lock) { return store::find_book(tx, id, lock); },
      .render = [](db::Tx&, const BookRow& row, Book* out) { to_proto(row, true, out); },
      .set_state = store::set_book_state,
      .copy =
          [](db::Tx& tx, const BookRow& row, const Principal& p) {
            Book content;
            to_proto(row, true, &content);
            BookRow copy = row_of(content);
            copy.id = crypto::uuid_v4();
            copy.created_by = p.account_id();
            // Receipt numbers are unique: the copy (another copy of the book, usually)
            // gets a provisional one that staff replace before publishing.
            copy.receipt_number = row.receipt_number.substr(0, 21) + "-" + copy.id.substr(0, 8);
            store::insert_book(tx, copy);
            return copy.id;
          },
      .erase = [](db::Tx& tx, const BookRow& row) { store::erase_book(tx, row.id); },
      .written = [this] { books_.catch_up(); },
      .table = "books",
  };
}

Status GrantsServiceImpl::CreateBook(grpc::ServerContext* ctx, const SaveBookRequest* req, Book* resp) {
  return books_admin_.create(
      ctx, "CreateBook", [&] { return validate(req->book()); },
      [&](db::Tx& tx, const Principal& p) {
        BookRow row = row_of(req->book());
        row.id = crypto::uuid_v4();
        row.created_by = p.account_id();
        store::insert_book(tx, row);  // a receipt number already catalogued: unique violation, 409
        return row.id;
      },
      resp);
}

// A book of the former catalogue; its receipt number stays unique (another record
// with it: 409).
Status GrantsServiceImpl::ImportBook(grpc::ServerContext* ctx, const ImportBookRequest* req,
                                     civic::common::ImportResult* resp) {
  return books_admin_.import(
      ctx, "ImportBook", req->meta(), *req, [&] { return validate(req->book()); },
      [&](db::Tx& tx, const Principal& p) {
        BookRow row = row_of(req->book());
        row.id = crypto::uuid_v4();
        row.created_by = p.account_id();
        store::insert_book(tx, row);
        return row.id;
      },
      [&](db::Tx& tx, const BookRow& current) {
        BookRow row = row_of(req->book());
        row.id = current.id;
        row.version = current.version;
        store::update_book(tx, row);
      },
      resp);
}

Status GrantsServiceImpl::UpdateBook(grpc::ServerContext* ctx, const SaveBookRequest* req, Book* resp) {
  return books_admin_.edit(
      ctx, "UpdateBook", req->id(), [&] { return validate(req->book()); }, nullptr,
      [&](db::Tx& tx, const BookRow& current, std::vector<std::string>& changed) {
        Book before;
        to_proto(current, true, &before);
        changed = rpc::changed_fields(before, req->book());
        BookRow row = row_of(req->book());
        row.id = current.id;
        row.version = req->book().version();
        return store::update_book(tx, row);
      },
      resp);
}

} // namespace civic::grants
