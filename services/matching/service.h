// Matching gRPC services: member records and profiles (MAT-1), the review, member
// requests, the public member search and home figures (MAT-4, MAT-5), the contact read
// of the recruitment service, and the EventSink that follows organisations and
// recruitments and fires trigger (d) of MAT-3.
#pragma once
#include <functional>
#include <string>

#include "civic/events.grpc.pb.h"
#include "civic/matching.grpc.pb.h"
#include "core/crypto.h"
#include "db/db.h"
#include "rpc/accounts.h"
#include "rpc/collection.h"
#include "matching/triggers.h"
#include "rpc/taxonomies.h"
#include "rpc/terms.h"

namespace civic::matching {

struct MatchingConfig {
  std::string hmac_key;
  TriggerConfig triggers;
};

class MatchingServiceImpl final : public MatchingService::Service {
 public:
  /// `accounts` reads a login's verified address from auth (where matching mails go).
  MatchingServiceImpl(db::Pool& pool, MatchingConfig config, crypto::Sealer sealer, rpc::TaxonomyCache& taxonomies,
                      rpc::AccountLookup accounts, rpc::TermsVersion terms, std::function<void()> events_written);

  grpc::Status GetMyProfile(grpc::ServerContext*, const civic::common::Empty*, Member*) override;
  grpc::Status SaveMyProfile(grpc::ServerContext*, const SaveProfileRequest*, Member*) override;
  grpc::Status ImportMember(grpc::ServerContext*, const ImportMemberRequest*, civic::common::ImportResult*) override;
  grpc::Status RequestMembershipChange(grpc::ServerContext*, const MembershipRequest*, Member*) override;
  grpc::Status ListMembers(grpc::ServerContext*, const ListMembersRequest*, ListMembersResponse*) override;
  grpc::Status GetMember(grpc::ServerContext*, const GetMemberRequest*, Member*) override;
  grpc::Status MemberSummary(grpc::ServerContext*, const MemberSummaryRequest*, MemberSummaryResponse*) override;
  grpc::Status AdminListMembers(grpc::ServerContext*, const AdminListMembersRequest*, ListMembersResponse*) override;
  grpc::Status ExportMembers(grpc::ServerContext*, const AdminListMembersRequest*, civic::common::HttpBody*) override;
  grpc::Status UpdateMember(grpc::ServerContext*, const UpdateMemberRequest*, Member*) override;
  grpc::Status MemberRegistrations(grpc::ServerContext*, const MemberRegistrationsRequest*,
                                   MemberRegistrationsResponse*) override;
  CIVIC_STAFF_COLLECTION(Member, Member, admin_)
  grpc::Status SetMemberStatus(grpc::ServerContext*, const SetMemberStatusRequest*, Member*) override;
  grpc::Status GetContact(grpc::ServerContext*, const ContactRequest*, ContactResponse*) override;

 private:
  rpc::Collection<store::MemberRow, Member> member_collection();
  void render(const store::MemberRow& row, bool full, Member* out) const;

  db::Pool& pool_;
  MatchingConfig config_;
  crypto::Sealer sealer_;
  rpc::TaxonomyCache& taxonomies_;
  rpc::AccountLookup accounts_;
  rpc::TermsVersion terms_;
  std::function<void()> events_written_;
  rpc::Collection<store::MemberRow, Member> admin_;
};

class EventSinkImpl final : public civic::events::EventSink::Service {
 public:
  EventSinkImpl(db::Pool& pool, MatchingConfig config, crypto::Sealer sealer, std::function<void()> events_written);
  grpc::Status Deliver(grpc::ServerContext*, const civic::events::Event*, civic::events::DeliverResponse*) override;

 private:
  void account_changed(db::Tx& tx, const std::string& type, const civic::events::AccountChanged& a);

  db::Pool& pool_;
  MatchingConfig config_;
  crypto::Sealer sealer_;
  std::function<void()> events_written_;
};

} // namespace civic::matching
