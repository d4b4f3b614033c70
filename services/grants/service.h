// Grants gRPC service (GRT-1, GRT-4): staff entry through the review workflow, public
// search, detail and deadline calendar.
#pragma once
#include <string>

#include "civic/grants.grpc.pb.h"
#include "db/db.h"
#include "core/crypto.h"
#include "grants/store.h"
#include "rpc/collection.h"
#include "rpc/taxonomies.h"
#include "rpc/virus_scan.h"
#include "search/rendered.h"

namespace civic::grants {

struct GrantsConfig {
  std::string hmac_key;
  std::string public_base_url = "http://127.0.0.1:8080";  // links in mails
  rpc::VirusScanner scanner;  // report photos (SEC-13)
};

class GrantsServiceImpl final : public GrantsService::Service {
 public:
  /// `index` and `books` are the public grant list and library catalogue in memory; the
  /// service refreshes them after its own writes.
  /// `events_written` wakes the outbox relay (mails of public submissions).
  GrantsServiceImpl(db::Pool& pool, GrantsConfig config, rpc::TaxonomyCache& taxonomies, GrantIndex& index,
                    BookIndex& books, crypto::Sealer sealer, std::function<void()> events_written);

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
  // HOME 掲載登録 (submissions.cpp).
  grpc::Status ProposeGrant(grpc::ServerContext*, const SaveGrantRequest*, ProposeResponse*) override;
  grpc::Status ProposeReport(grpc::ServerContext*, const SaveReportRequest*, ProposeResponse*) override;
  grpc::Status DeleteReportPhoto(grpc::ServerContext*, const PhotoRequest*, civic::common::Empty*) override;

  // The staff surface of each collection (rpc/collection.h): create and edit here,
  // the rest one line each.
  grpc::Status CreateGrant(grpc::ServerContext*, const SaveGrantRequest*, Grant*) override;
  grpc::Status UpdateGrant(grpc::ServerContext*, const SaveGrantRequest*, Grant*) override;
  grpc::Status ImportGrant(grpc::ServerContext*, const ImportGrantRequest*, civic::common::ImportResult*) override;
  grpc::Status ImportBook(grpc::ServerContext*, const ImportBookRequest*, civic::common::ImportResult*) override;
  grpc::Status ImportReport(grpc::ServerContext*, const ImportReportRequest*, civic::common::ImportResult*) override;
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
  /// A public submission of either kind: `validate` names every bad item of the record,
  /// `insert` writes it in review; the submitter is stored sealed, the receipt and the
  /// centre's notice queued, in one transaction.
  grpc::Status propose(grpc::ServerContext* ctx, const char* method, const google::protobuf::Message& req,
                       const std::string& entity, const std::string& title, const std::string& submitter_name,
                       const std::string& submitter_email, const std::function<validation::Errors()>& validate,
                       const std::function<std::string(db::Tx&, const rpc::Principal&)>& insert, ProposeResponse* resp);
  /// The submitter's name and address on a staff rendering, when the public sent it.
  template <class Msg>
  void add_submitter(db::Tx& tx, const std::string& id, Msg* out) const {
    if (auto s = store::find_submitter(tx, id)) {
      out->set_submitter_name(s->name);
      out->set_submitter_email(sealer_.open(s->email_sealed, id).value_or(""));
    }
  }
  /// The publication mail to whoever submitted `id` from the public form.
  void tell_submitter(db::Tx& tx, const std::string& id, const std::string& title, const std::string& path) const;
  rpc::Collection<BookRow, Book> book_collection();
  rpc::Collection<ReportRow, Report> report_collection();
  grpc::Status list_reports(grpc::ServerContext* ctx, const ListReportsRequest* req, bool staff_only,
                            ListReportsResponse* resp);
  /// The staff list (SQL, any state) or the public catalogue (from memory), each with
  /// the keyword and detailed search of `req` (a ListBooksRequest or AdminListBooksRequest).
  template <class Request>
  grpc::Status list_books(grpc::ServerContext* ctx, bool staff_only, const std::string& state, const Request& req,
                          ListBooksResponse* resp);

  db::Pool& pool_;
  GrantsConfig config_;
  rpc::TaxonomyCache& taxonomies_;
  GrantIndex& index_;
  BookIndex& books_;
  search::Rendered<Grant> rendered_{"grants"};  // public grants as last shown (ADR 0027)
  crypto::Sealer sealer_;
  std::function<void()> events_written_;
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
