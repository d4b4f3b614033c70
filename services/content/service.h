// Content gRPC service, first part: taxonomies, site settings (maintenance), terms of use.
#pragma once
#include <string>

#include "civic/content.grpc.pb.h"
#include "db/db.h"

namespace civic::content {

struct ContentConfig {
  std::string hmac_key;
};

class ContentServiceImpl final : public ContentService::Service {
 public:
  ContentServiceImpl(db::Pool& pool, ContentConfig config);
  grpc::Status ListTaxonomies(grpc::ServerContext*, const civic::common::Empty*, ListTaxonomiesResponse*) override;
  grpc::Status GetTaxonomy(grpc::ServerContext*, const GetTaxonomyRequest*, Taxonomy*) override;
  grpc::Status PutTaxonomy(grpc::ServerContext*, const PutTaxonomyRequest*, Taxonomy*) override;
  grpc::Status ValidateCodes(grpc::ServerContext*, const ValidateCodesRequest*, ValidateCodesResponse*) override;
  grpc::Status GetSite(grpc::ServerContext*, const civic::common::Empty*, SiteSettings*) override;
  grpc::Status UpdateSite(grpc::ServerContext*, const UpdateSiteRequest*, SiteSettings*) override;
  grpc::Status GetTerms(grpc::ServerContext*, const GetTermsRequest*, TermsDocument*) override;
  grpc::Status ListTerms(grpc::ServerContext*, const ListTermsRequest*, ListTermsResponse*) override;
  grpc::Status PublishTerms(grpc::ServerContext*, const PublishTermsRequest*, TermsDocument*) override;

 private:
  db::Pool& pool_;
  ContentConfig config_;
};

} // namespace civic::content
