// Directory gRPC service: registration, review workflow, public search, admin views.
#pragma once
#include <functional>
#include <string>

#include "civic/directory.grpc.pb.h"
#include "core/crypto.h"
#include "db/db.h"
#include "directory/search_index.h"
#include "directory/store.h"
#include "civic/events.grpc.pb.h"
#include "rpc/accounts.h"
#include "rpc/collection.h"
#include "rpc/corrections.h"
#include "rpc/taxonomies.h"
#include "rpc/terms.h"
#include "rpc/virus_scan.h"
#include "search/rendered.h"

namespace civic::directory {

struct DirectoryConfig {
  std::string hmac_key;
  std::string public_base_url;  // links in mails
  rpc::VirusScanner scanner;    // attachments (SEC-13)
};

using rpc::TermsVersion;

class DirectoryServiceImpl final : public DirectoryService::Service {
 public:
  DirectoryServiceImpl(db::Pool& pool, DirectoryConfig config, crypto::Sealer sealer, rpc::TaxonomyCache& taxonomies,
                       TermsVersion terms_version, SearchIndex& search, rpc::AccountLookup accounts,
                       std::function<void()> events_written);

  grpc::Status RegisterOrganization(grpc::ServerContext*, const RegisterOrganizationRequest*,
                                    RegisterOrganizationResponse*) override;
  grpc::Status GetHandoff(grpc::ServerContext*, const HandoffRequest*, HandoffResponse*) override;
  grpc::Status GetOrganization(grpc::ServerContext*, const GetOrganizationRequest*, Organization*) override;
  grpc::Status ListOrganizations(grpc::ServerContext*, const ListOrganizationsRequest*,
                                 ListOrganizationsResponse*) override;
  grpc::Status AdminListOrganizations(grpc::ServerContext*, const AdminListOrganizationsRequest*,
                                      ListOrganizationsResponse*) override;
  grpc::Status CreateOrganization(grpc::ServerContext*, const RegisterOrganizationRequest*, Organization*) override;
  grpc::Status ImportOrganization(grpc::ServerContext*, const ImportOrganizationRequest*,
                                  civic::common::ImportResult*) override;
  grpc::Status UpdateOrganization(grpc::ServerContext*, const UpdateOrganizationRequest*, Organization*) override;
  grpc::Status UpdateOwnOrganization(grpc::ServerContext*, const UpdateOrganizationRequest*,
                                     UpdateOwnOrganizationResponse*) override;
  grpc::Status SetOrganizationOwner(grpc::ServerContext*, const SetOwnerRequest*, Organization*) override;

  /// account.deleted: takes the organisations of `account_id` off the public site.
  void owner_deleted(db::Tx& tx, const std::string& account_id, const std::string& by);
  /// After a committed write: wakes the outbox relay and, when the public listing may
  /// have changed, refreshes the search index.
  void written(bool listing_changed);
  CIVIC_STAFF_COLLECTION(Organization, Organization, admin_)
  CIVIC_STAFF_DUPLICATE(Organization, admin_)
  grpc::Status SetOrganizationStatus(grpc::ServerContext*, const SetStatusRequest*, Organization*) override;
  grpc::Status ExportOrganizations(grpc::ServerContext*, const ExportRequest*, civic::common::HttpBody*) override;
  grpc::Status OrganizationStats(grpc::ServerContext*, const StatsRequest*, StatsResponse*) override;
  grpc::Status RegistrationsByMonth(grpc::ServerContext*, const RegistrationsRequest*, RegistrationsResponse*) override;
  grpc::Status UploadAttachment(grpc::ServerContext*, const UploadAttachmentRequest*, Attachment*) override;
  grpc::Status DeleteAttachment(grpc::ServerContext*, const AttachmentRequest*, civic::common::Empty*) override;
  grpc::Status GetAttachment(grpc::ServerContext*, const AttachmentRequest*, civic::common::HttpBody*) override;
  grpc::Status SubmitCorrection(grpc::ServerContext*, const SubmitCorrectionRequest*, SubmitCorrectionResponse*) override;
  grpc::Status ConfirmCorrection(grpc::ServerContext*, const ConfirmCorrectionRequest*,
                                 ConfirmCorrectionResponse*) override;
  grpc::Status AdminListCorrections(grpc::ServerContext*, const AdminListCorrectionsRequest*,
                                    ListCorrectionsResponse*) override;
  grpc::Status ApplyCorrection(grpc::ServerContext*, const civic::common::ActionRequest*, CorrectionRequest*) override;
  grpc::Status RejectCorrection(grpc::ServerContext*, const civic::common::ActionRequest*, CorrectionRequest*) override;

 private:
  using Corrections = rpc::CorrectionDesk<OrgRow, Organization, CorrectionRequest>;
  rpc::Collection<OrgRow, Organization> organization_collection();
  Corrections correction_desk();
  void to_proto(const OrgRow& row, bool full, Organization* out) const;
  void to_proto(const AttachmentRow& a, Attachment* out) const;
  /// `row` (its id set) with the content and registrant items of `o`, the registrant's
  /// contact sealed for the row.
  void fill(const Organization& o, OrgRow& row) const;
  /// A new record from a registration form: id, site, kind, content, registrant,
  /// requirements and consents (the caller sets state and owner).
  OrgRow registration_row(const Organization& o) const;
  /// organization.changed for matching and recruitment when `id` is an Aikasanet organisation.
  void announce(db::Tx& tx, const std::string& id);

  db::Pool& pool_;
  SearchIndex& search_;
  search::Rendered<Organization> rendered_{"organizations"};  // public records as last shown (ADR 0027)
  DirectoryConfig config_;
  crypto::Sealer sealer_;
  rpc::TaxonomyCache& taxonomies_;
  TermsVersion terms_version_;
  rpc::AccountLookup accounts_;
  std::function<void()> events_written_;
  rpc::Collection<OrgRow, Organization> admin_;
  Corrections corrections_;
};

/// Follows auth's account events: a deleted login orphans its organisations.
class OwnerEventSink final : public civic::events::EventSink::Service {
 public:
  OwnerEventSink(db::Pool& pool, std::string hmac_key, DirectoryServiceImpl& directory);
  grpc::Status Deliver(grpc::ServerContext*, const civic::events::Event*, civic::events::DeliverResponse*) override;

 private:
  db::Pool& pool_;
  std::string hmac_key_;
  DirectoryServiceImpl& directory_;
};

} // namespace civic::directory
