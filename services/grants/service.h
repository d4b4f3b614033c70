// Grants gRPC service (GRT-1, GRT-4): staff entry through the review workflow, public
// search, detail and deadline calendar.
#pragma once
#include <string>

#include "civic/grants.grpc.pb.h"
#include "db/db.h"
#include "grants/store.h"
#include "rpc/collection.h"
#include "rpc/taxonomies.h"

namespace civic::grants {

struct GrantsConfig {
  std::string hmac_key;
};

class GrantsServiceImpl final : public GrantsService::Service {
 public:
  /// `index` and `books` are the public grant list and library catalogue in memory; the
  /// service refreshes them after its own writes.
  GrantsServiceImpl(db::Pool& pool, GrantsConfig config, rpc::TaxonomyCache& taxonomies, GrantIndex& index,
                    BookIndex& books);

  grpc::Status ListGrants(grpc::ServerContext*, const ListGrantsRequest*, ListGrantsResponse*) override;
  grpc::Status GrantCalendar(grpc::ServerContext*, const CalendarRequest*, CalendarResponse*) override;
  grpc::Status GetGrant(grpc::ServerContext*, const GetGrantRequest*, Grant*) override;
  grpc::Status AdminListGrants(grpc::ServerContext*, const AdminListGrantsRequest*, ListGrantsResponse*) override;
  // GRT-2 (books.cpp).
  grpc::Status ListBooks(grpc::ServerContext*, const ListBooksRequest*, ListBooksResponse*) override;
  grpc::Status GetBook(grpc::ServerContext*, const GetBookRequest*, Book*) override;
  grpc::Status AdminListBooks(grpc::ServerContext*, const AdminListBooksRequest*, ListBooksResponse*) override;
  // GRT-3 (reports.cpp).
  grpc::Status ListReports(grpc::ServerContext*, const ListReportsRequest*, ListReportsResponse*) override;
  grpc::Status GetReport(grpc::ServerContext*, const GetReportRequest*, Report*) override;
  grpc::Status GetReportPhoto(grpc::ServerContext*, const PhotoRequest*, civic::common::HttpBody*) override;
  grpc::Status AdminListReports(grpc::ServerContext*, const ListReportsRequest*, ListReportsResponse*) override;
  grpc::Status UploadReportPhoto(grpc::ServerContext*, const UploadPhotoRequest*, ReportPhoto*) override;
  grpc::Status DeleteReportPhoto(grpc::ServerContext*, const PhotoRequest*, civic::common::Empty*) override;

  // The staff surface of each collection (rpc/collection.h): create and edit here,
  // the rest one line each.
  grpc::Status CreateGrant(grpc::ServerContext*, const SaveGrantRequest*, Grant*) override;
  grpc::Status UpdateGrant(grpc::ServerContext*, const SaveGrantRequest*, Grant*) override;
  grpc::Status CreateBook(grpc::ServerContext*, const SaveBookRequest*, Book*) override;
  grpc::Status UpdateBook(grpc::ServerContext*, const SaveBookRequest*, Book*) override;
  grpc::Status CreateReport(grpc::ServerContext*, const SaveReportRequest*, Report*) override;
  grpc::Status UpdateReport(grpc::ServerContext*, const SaveReportRequest*, Report*) override;
  CIVIC_STAFF_COLLECTION(Grant, Grant, grants_)
  CIVIC_STAFF_DUPLICATE(Grant, grants_)
  CIVIC_STAFF_COLLECTION(Book, Book, books_admin_)
  CIVIC_STAFF_DUPLICATE(Book, books_admin_)
  CIVIC_STAFF_COLLECTION(Report, Report, reports_)
  CIVIC_STAFF_DUPLICATE(Report, reports_)

 private:
  rpc::Collection<BookRow, Book> book_collection();
  rpc::Collection<ReportRow, Report> report_collection();
  grpc::Status list_reports(grpc::ServerContext* ctx, const ListReportsRequest* req, bool staff_only,
                            ListReportsResponse* resp);
  grpc::Status list_books(grpc::ServerContext* ctx, const std::string& state, const std::string& q, int32_t page_size,
                          const std::string& page_token, bool staff_only, ListBooksResponse* resp);

  db::Pool& pool_;
  GrantsConfig config_;
  rpc::TaxonomyCache& taxonomies_;
  GrantIndex& index_;
  BookIndex& books_;
  rpc::Collection<GrantRow, Grant> grants_;
  rpc::Collection<BookRow, Book> books_admin_;
  rpc::Collection<ReportRow, Report> reports_;
};

/// One page of the public grant list from the index: `f`'s terms, field, area and open
/// (accepting applications on the day `today`, days since 1970-01-01), newest first.
search::Page public_grants(const GrantIndex& index, const GrantFilters& f, int32_t today, int limit, int offset);
/// The columns, profile and search keys of `g` (after validation).
GrantRow row_of(const Grant& g);
/// `row` as a Grant; `full` adds what only staff see (state, version).
void to_proto(const GrantRow& row, bool full, Grant* out);

} // namespace civic::grants
