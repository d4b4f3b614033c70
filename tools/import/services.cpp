#include "import/services.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/impl/rpc_method.h>

#include <algorithm>
#include <stdexcept>

#include "civic/auth.pb.h"
#include "civic/common.pb.h"
#include "civic/content.pb.h"
#include "civic/directory.pb.h"
#include "civic/grants.pb.h"
#include "civic/matching.pb.h"
#include "civic/notification.pb.h"
#include "civic/recruitment.pb.h"
#include "core/config.h"
#include "rpc/principal.h"

namespace civic::import {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Every service's messages linked in, so the mappings can name any call.
void link_descriptors() {
  for (const auto* d : {civic::auth::ImportAccountRequest::descriptor(), civic::content::Article::descriptor(),
                        civic::directory::Organization::descriptor(), civic::grants::Grant::descriptor(),
                        civic::matching::Member::descriptor(), civic::notification::Newsletter::descriptor(),
                        civic::recruitment::Event::descriptor()})
    (void)d;
}

// The field at `path` ("grant.name") of `type`, with the messages on the way; nullptr
// when a part is missing.
const FieldDescriptor* field_at(const google::protobuf::Descriptor* type, const std::string& path,
                                std::vector<const FieldDescriptor*>* way = nullptr) {
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    const FieldDescriptor* f = type->FindFieldByName(path.substr(start, dot == std::string::npos ? dot : dot - start));
    if (!f) return nullptr;
    if (dot == std::string::npos) return f;
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated()) return nullptr;
    if (way) way->push_back(f);
    type = f->message_type();
    start = dot + 1;
  }
}

// Sets `value` at `path` of `msg`; a reason when the value does not fit the field.
std::string set(Message* msg, const std::string& path, const std::string& value) {
  std::vector<const FieldDescriptor*> way;
  const FieldDescriptor* f = field_at(msg->GetDescriptor(), path, &way);
  for (const auto* step : way) msg = msg->GetReflection()->MutableMessage(msg, step);
  const auto* r = msg->GetReflection();
  std::vector<std::string> items;
  if (f->is_repeated()) {
    for (size_t start = 0; start <= value.size() && !value.empty();) {
      size_t end = value.find(kListSeparator, start);
      items.push_back(value.substr(start, end == std::string::npos ? end : end - start));
      if (end == std::string::npos) break;
      start = end + 1;
    }
  } else if (!value.empty()) {
    items.push_back(value);
  }
  for (const auto& v : items) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        f->is_repeated() ? r->AddString(msg, f, v) : r->SetString(msg, f, v);
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        if (v != "true" && v != "false") return "「はい」か「いいえ」（1 か 0）で指定してください";
        f->is_repeated() ? r->AddBool(msg, f, v == "true") : r->SetBool(msg, f, v == "true");
        break;
      case FieldDescriptor::CPPTYPE_INT32: {
        if (v.empty() || v.size() > 9 || !std::all_of(v.begin(), v.end(), ::isdigit)) return "数字で入力してください";
        f->is_repeated() ? r->AddInt32(msg, f, std::stoi(v)) : r->SetInt32(msg, f, std::stoi(v));
        break;
      }
      default:
        return "この項目には取り込めません";  // check() refuses such mappings first
    }
  }
  return "";
}

// A refusal as the report lists it: each field violation, or the status message.
Services::Result refused(const grpc::Status& st) {
  if (st.error_code() == grpc::StatusCode::UNAVAILABLE || st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
    throw std::runtime_error("a service cannot be reached: " + st.error_message());
  Services::Result r;
  civic::common::ErrorDetail detail;
  if (detail.ParseFromString(st.error_details()))
    for (const auto& v : detail.violations()) r.problems.push_back({v.field(), v.message()});
  if (r.problems.empty()) r.problems.push_back({"", st.error_message()});
  return r;
}

} // namespace

Services::Services() : key_(config::secret("INTERNAL_HMAC_KEY")) { link_descriptors(); }

void Services::check(const Mapping& m) {
  auto fail = [&](const std::string& what) { throw std::runtime_error("mapping " + m.name + ": " + what); };
  size_t slash = m.call.find('/');
  const auto* service = slash == std::string::npos
                            ? nullptr
                            : google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(m.call.substr(0, slash));
  const auto* call = service ? service->FindMethodByName(m.call.substr(slash + 1)) : nullptr;
  if (!call) fail("no call " + m.call + " (service/method, e.g. civic.grants.GrantsService/ImportGrant)");
  if (call->output_type() != civic::common::ImportResult::descriptor() ||
      !field_at(call->input_type(), "meta.validate_only"))
    fail(m.call + " is not an import call");
  auto check_field = [&](const std::string& path) {
    const FieldDescriptor* f = field_at(call->input_type(), path);
    if (!f) fail(path + " is not a field of " + call->input_type()->full_name());
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_STRING && f->cpp_type() != FieldDescriptor::CPPTYPE_BOOL &&
        f->cpp_type() != FieldDescriptor::CPPTYPE_INT32)
      fail(path + " is not a text, number or flag field");
  };
  for (const auto& [path, column] : m.columns) check_field(path);
  for (const auto& [path, value] : m.defaults) check_field(path);
  if (calls_.count(m.call)) return;
  const std::string& package = call->service()->file()->package();  // civic.grants
  auto& channel = channels_[package];
  if (!channel) {
    std::string var = package.substr(package.rfind('.') + 1) + "_SERVICE_ADDR";
    std::transform(var.begin(), var.end(), var.begin(), ::toupper);
    std::string address = config::str(var.c_str(), "");
    if (address.empty()) throw std::runtime_error(var + " is not set (tools/dev import sets it)");
    channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  }
  auto prepared = std::make_unique<Call>(Call{call, channel, "/" + service->full_name() + "/" + call->name(), {}});
  prepared->rpc = std::make_unique<grpc::internal::RpcMethod>(prepared->path.c_str(),
                                                             grpc::internal::RpcMethod::NORMAL_RPC);
  calls_[m.call] = std::move(prepared);
}

Services::Result Services::import(const Mapping& m, const std::map<std::string, std::string>& fields, bool dry_run) {
  const Call& call = *calls_.at(m.call);  // prepared by check(); calls share its channel
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  std::unique_ptr<Message> request(factory->GetPrototype(call.method->input_type())->New());
  civic::common::ImportResult result;
  Result refusals;
  for (const auto& [path, value] : fields)
    if (std::string reason = set(request.get(), path, value); !reason.empty()) refusals.problems.push_back({path, reason});
  if (!refusals.problems.empty()) return refusals;
  if (dry_run) set(request.get(), "meta.validate_only", "true");

  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  rpc::Principal p;
  p.add_roles("service");
  p.set_caller("import");
  rpc::attach(ctx, p, key_);
  grpc::Status st =
      grpc::internal::BlockingUnaryCall<Message, Message>(call.channel.get(), *call.rpc, &ctx, *request, &result);
  if (!st.ok()) return refused(st);
  return {result.id(), result.outcome(), {}};
}

} // namespace civic::import
