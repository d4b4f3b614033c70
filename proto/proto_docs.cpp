#include "proto_docs.h"

#include <google/protobuf/descriptor.pb.h>

#include <sstream>

namespace civic::generated {
extern const unsigned char kProtoDocs[];
extern const std::size_t kProtoDocs_size;
} // namespace civic::generated

namespace civic::proto_docs {
namespace {
using google::protobuf::DescriptorPool;
using google::protobuf::SourceLocation;

// The embedded files, with their source info, in a pool of their own.
const DescriptorPool& pool() {
  static const DescriptorPool* built = [] {
    auto* p = new DescriptorPool();
    google::protobuf::FileDescriptorSet set;
    if (set.ParseFromArray(generated::kProtoDocs, int(generated::kProtoDocs_size)))
      for (const auto& file : set.file()) p->BuildFile(file);  // imports come first
    return p;
  }();
  return *built;
}

std::string text_of(const SourceLocation& where) {
  std::istringstream lines(where.leading_comments.empty() ? where.trailing_comments : where.leading_comments);
  std::string out;
  for (std::string line; std::getline(lines, line);) {
    line.erase(0, line.find_first_not_of(' '));
    line.erase(line.find_last_not_of(" \r") + 1);
    if (line.empty()) continue;
    out += (out.empty() ? "" : " ") + line;
  }
  return out;
}

template <typename D>
std::string of(const D* documented) {
  SourceLocation where;
  return documented && documented->GetSourceLocation(&where) ? text_of(where) : "";
}
} // namespace

std::string comment(const google::protobuf::Descriptor* d) { return of(pool().FindMessageTypeByName(d->full_name())); }
std::string comment(const google::protobuf::FieldDescriptor* f) { return of(pool().FindFieldByName(f->full_name())); }
std::string comment(const google::protobuf::MethodDescriptor* m) { return of(pool().FindMethodByName(m->full_name())); }

} // namespace civic::proto_docs
