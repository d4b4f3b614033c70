#include "rpc/audit.h"

#include "core/config.h"
#include "core/time.h"

namespace civic::rpc {

void audit(db::Tx& tx, const Principal& p, std::string_view action, std::string_view entity_type,
           std::string_view entity_id, const nlohmann::json& detail) {
  civic::events::AuditRecorded a;
  a.set_at_unix_us(time::unix_ms(time::Clock::now()) * 1000);
  a.set_actor_account_id(p.account_id());
  a.set_client_ip(p.client_ip());
  a.set_request_id(p.request_id());
  a.set_action(std::string(action));
  a.set_entity_type(std::string(entity_type));
  a.set_entity_id(std::string(entity_id));
  a.set_detail(detail.is_object() ? detail.dump() : "{}");
  enqueue_event(tx, "audit.recorded", a);
}

nlohmann::json filters_given(const std::vector<std::pair<std::string_view, std::string_view>>& filters) {
  nlohmann::json given = nlohmann::json::array();
  for (const auto& [name, value] : filters)
    if (!value.empty()) given.push_back(name);
  return given;
}

void csv_download(civic::common::HttpBody* out, std::string filename, std::string csv) {
  out->set_content_type("text/csv; charset=utf-8");
  out->set_filename(std::move(filename));
  out->set_data(std::move(csv));
}

void export_csv(db::Pool& pool, const Principal& p, civic::common::HttpBody* out, std::string_view entity_type,
                std::string filename, std::string csv, size_t rows,
                const std::vector<std::pair<std::string_view, std::string_view>>& filters) {
  pool.transaction([&](db::Tx& tx) {
    audit(tx, p, "export", entity_type, "", {{"rows", rows}, {"filters", filters_given(filters)}});
  });
  csv_download(out, std::move(filename), std::move(csv));
}

void record_step(db::Tx& tx, const Principal& p, workflow::Change change, const std::vector<std::string>& changed) {
  change.actor = p.account_id();
  workflow::record(tx, change, changed);
  if (!is_staff(p)) return;
  nlohmann::json detail = {{"to", workflow::name(change.to)}};
  if (change.from) detail["from"] = workflow::name(*change.from);
  if (!changed.empty()) detail["changed"] = changed;
  audit(tx, p, change.action, change.entity_type, change.entity_id, detail);
}

std::optional<workflow::State> apply_step(db::Tx& tx, const Principal& p, std::string_view entity_type,
                                          std::string_view entity_id, std::string_view current, std::string_view action,
                                          std::string_view note) {
  auto from = workflow::parse(current);
  auto to = from ? workflow::next(*from, action) : std::nullopt;
  if (to)
    record_step(tx, p, {std::string(entity_type), std::string(entity_id), std::string(action), from, *to, "",
                        std::string(note)});
  return to;
}

void route_audit_to_auth(std::map<std::string, std::vector<Subscriber>>& routes) {
  auto auth = grpc::CreateChannel(config::str("AUTH_SERVICE_ADDR", "127.0.0.1:50051"), grpc::InsecureChannelCredentials());
  routes["audit.recorded"].push_back({"auth", civic::events::EventSink::NewStub(auth)});
}

} // namespace civic::rpc
