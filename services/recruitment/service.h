// Recruitment gRPC services: Supernet events (REC-1, events.cpp), Aikasanet volunteer
// recruitments (REC-2, REC-3),
// applications and inquiries (REC-4), one-click links (REC-5), and the EventSink that
// follows the directory's organisations.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "civic/events.grpc.pb.h"
#include "civic/matching.grpc.pb.h"
#include "civic/recruitment.grpc.pb.h"
#include "core/crypto.h"
#include "db/db.h"
#include "recruitment/store.h"
#include "rpc/collection.h"
#include "rpc/corrections.h"
#include "rpc/principal.h"
#include "rpc/taxonomies.h"
#include "rpc/virus_scan.h"
#include "search/rendered.h"

namespace civic::recruitment {

struct RecruitmentConfig {
  std::string hmac_key;
  std::string public_base_url;
  std::string oneclick_key;  // shared with the matching service, which issues the links
  rpc::VirusScanner scanner;  // flyers and materials (SEC-13)
};

/// Who applies or asks: the matching service's member record (a synchronous read, as
/// the organiser must get the current name and address). nullopt when there is none.
using ContactLookup = std::function<std::optional<civic::matching::ContactResponse>(
    const rpc::Principal& caller, const std::string& member_id, const std::string& account_id)>;

/// The flyers' descriptions (without their data) for a response.
void flyers_to_proto(const std::vector<store::FlyerRow>& flyers, google::protobuf::RepeatedPtrField<Flyer>* out);

/// One page of the public list of coming events from the index (a date on `today` or
/// later, days since 1970-01-01): `f`'s terms, category, field, municipality, from, to;
/// soonest first.
search::Page coming_events(const store::EventIndex& index, const store::EventFilters& f, int32_t today, int limit,
                           int offset);

/// The production lookup over gRPC.
ContactLookup contact_lookup(std::shared_ptr<civic::matching::MatchingService::StubInterface> stub, std::string hmac_key);

class RecruitmentServiceImpl final : public RecruitmentService::Service {
 public:
  /// `events` is the public list of coming events in memory; the service refreshes it
  /// after its own writes.
  RecruitmentServiceImpl(db::Pool& pool, RecruitmentConfig config, crypto::Sealer sealer,
                         rpc::TaxonomyCache& taxonomies, ContactLookup contacts, std::function<void()> events_written,
                         store::EventIndex& events);

  grpc::Status ListRecruitments(grpc::ServerContext*, const ListRecruitmentsRequest*, ListRecruitmentsResponse*) override;
  grpc::Status GetRecruitment(grpc::ServerContext*, const GetRecruitmentRequest*, Recruitment*) override;
  grpc::Status ImportRecruitment(grpc::ServerContext*, const ImportRecruitmentRequest*, civic::common::ImportResult*) override;
  grpc::Status ImportEvent(grpc::ServerContext*, const ImportEventRequest*, civic::common::ImportResult*) override;
  grpc::Status ImportSubmission(grpc::ServerContext*, const ImportSubmissionRequest*,
                                civic::common::ImportResult*) override;
  grpc::Status RecruitmentCalendar(grpc::ServerContext*, const CalendarRequest*, CalendarResponse*) override;
  grpc::Status CreateRecruitment(grpc::ServerContext*, const SaveRecruitmentRequest*, Recruitment*) override;
  grpc::Status UpdateRecruitment(grpc::ServerContext*, const SaveRecruitmentRequest*, Recruitment*) override;
  grpc::Status WithdrawRecruitment(grpc::ServerContext*, const civic::common::ActionRequest*, Recruitment*) override;
  grpc::Status DeleteOwnRecruitment(grpc::ServerContext*, const civic::common::ActionRequest*,
                                    civic::common::Empty*) override;
  grpc::Status MyRecruitments(grpc::ServerContext*, const ListRecruitmentsRequest*, ListRecruitmentsResponse*) override;
  grpc::Status Apply(grpc::ServerContext*, const ApplyRequest*, SubmittedResponse*) override;
  grpc::Status Inquire(grpc::ServerContext*, const InquireRequest*, SubmittedResponse*) override;
  grpc::Status InquireMember(grpc::ServerContext*, const InquireRequest*, SubmittedResponse*) override;
  grpc::Status DescribeOneClick(grpc::ServerContext*, const OneClickRequest*, OneClickDescription*) override;
  grpc::Status ConfirmOneClick(grpc::ServerContext*, const OneClickRequest*, OneClickResult*) override;
  grpc::Status AdminListRecruitments(grpc::ServerContext*, const AdminListRecruitmentsRequest*,
                                     ListRecruitmentsResponse*) override;
  CIVIC_STAFF_COLLECTION(Recruitment, Recruitment, recruitments_)
  CIVIC_STAFF_DUPLICATE(Recruitment, recruitments_)
  grpc::Status UploadRecruitmentFlyer(grpc::ServerContext*, const UploadFlyerRequest*, Flyer*) override;
  grpc::Status GetRecruitmentFlyer(grpc::ServerContext*, const FlyerRequest*, civic::common::HttpBody*) override;
  // REC-1 (events.cpp).
  grpc::Status ListEvents(grpc::ServerContext*, const ListEventsRequest*, ListEventsResponse*) override;
  grpc::Status GetEvent(grpc::ServerContext*, const GetEventRequest*, Event*) override;
  grpc::Status ProposeEvent(grpc::ServerContext*, const SaveEventRequest*, ProposeEventResponse*) override;
  grpc::Status AddEventMaterial(grpc::ServerContext*, const UploadMaterialRequest*, Flyer*) override;
  grpc::Status GetEventFlyer(grpc::ServerContext*, const FlyerRequest*, civic::common::HttpBody*) override;
  grpc::Status AdminListEvents(grpc::ServerContext*, const AdminListEventsRequest*, ListEventsResponse*) override;
  grpc::Status UpdateEvent(grpc::ServerContext*, const SaveEventRequest*, Event*) override;
  grpc::Status UploadEventFlyer(grpc::ServerContext*, const UploadFlyerRequest*, Flyer*) override;
  CIVIC_STAFF_COLLECTION(Event, Event, events_admin_)
  CIVIC_STAFF_DUPLICATE(Event, events_admin_)
  grpc::Status SubmitEventCorrection(grpc::ServerContext*, const SubmitEventCorrectionRequest*,
                                     SubmitEventCorrectionResponse*) override;
  grpc::Status ConfirmEventCorrection(grpc::ServerContext*, const ConfirmEventCorrectionRequest*,
                                      ConfirmEventCorrectionResponse*) override;
  grpc::Status AdminListEventCorrections(grpc::ServerContext*, const ListEventCorrectionsRequest*,
                                         ListEventCorrectionsResponse*) override;
  grpc::Status ApplyEventCorrection(grpc::ServerContext*, const civic::common::ActionRequest*, EventCorrection*) override;
  grpc::Status RejectEventCorrection(grpc::ServerContext*, const civic::common::ActionRequest*, EventCorrection*) override;

 private:
  rpc::Collection<store::RecruitmentRow, Recruitment> recruitment_collection();
  rpc::Collection<store::EventRow, Event> event_collection();
  using EventCorrections = rpc::CorrectionDesk<store::EventRow, Event, EventCorrection>;
  EventCorrections event_correction_desk();
  /// Stores an application or inquiry from `from` on `r` and mails the organiser (BCC
  /// the centre). False when `from` had already applied.
  bool submit(db::Tx& tx, const store::RecruitmentRow& r, const civic::matching::ContactResponse& from, bool apply,
              const std::string& text, bool via_oneclick, std::string* id);
  void render(const store::RecruitmentRow& row, bool full, Recruitment* out) const;
  void render(const store::EventRow& row, bool full, Event* out) const;
  /// Stores `file` on the recruitment or event `id` when it is one of `allowed` (MIME
  /// types, decided by content) within the flyers' limits.
  grpc::Status add_flyer(const rpc::Principal& p, const std::string& id, const civic::common::HttpBody& file,
                         std::string_view owner, const std::vector<std::string>& allowed, Flyer* resp);
  void announce(db::Tx& tx, const store::RecruitmentRow& row, bool imported = false);
  void withdraw(db::Tx& tx, const std::string& id);
  grpc::Status respond(grpc::ServerContext* ctx, const char* method, const std::string& recruitment_id,
                       const std::string& text, bool apply, SubmittedResponse* resp);

  db::Pool& pool_;
  RecruitmentConfig config_;
  crypto::Sealer sealer_;
  rpc::TaxonomyCache& taxonomies_;
  ContactLookup contacts_;
  std::function<void()> events_written_;
  store::EventIndex& events_;
  search::Rendered<Event> rendered_events_{"events"};  // public events as last shown (ADR 0027)
  rpc::Collection<store::RecruitmentRow, Recruitment> recruitments_;
  rpc::Collection<store::EventRow, Event> events_admin_;
  EventCorrections event_corrections_;
};

class EventSinkImpl final : public civic::events::EventSink::Service {
 public:
  EventSinkImpl(db::Pool& pool, std::string hmac_key) : pool_(pool), hmac_key_(std::move(hmac_key)) {}
  grpc::Status Deliver(grpc::ServerContext*, const civic::events::Event*, civic::events::DeliverResponse*) override;

 private:
  db::Pool& pool_;
  std::string hmac_key_;
};

} // namespace civic::recruitment
