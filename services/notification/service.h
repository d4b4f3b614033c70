// Notification gRPC services: the EventSink that turns mail.requested events into
// queued messages exactly once, and the staff API for templates and the delivery record.
#pragma once
#include <functional>
#include <string>

#include "civic/events.grpc.pb.h"
#include "civic/notification.grpc.pb.h"
#include "db/db.h"

namespace civic::notification {

struct NotificationConfig {
  std::string hmac_key;
  std::string centre_bcc;  // support centre's address for BCC copies; empty: none
};

class EventSinkImpl final : public civic::events::EventSink::Service {
 public:
  EventSinkImpl(db::Pool& pool, NotificationConfig config, std::function<void()> queued);
  grpc::Status Deliver(grpc::ServerContext* ctx, const civic::events::Event* event,
                       civic::events::DeliverResponse* resp) override;

 private:
  db::Pool& pool_;
  NotificationConfig config_;
  std::function<void()> queued_;
};

class NotificationServiceImpl final : public NotificationService::Service {
 public:
  NotificationServiceImpl(db::Pool& pool, NotificationConfig config);
  grpc::Status ListTemplates(grpc::ServerContext*, const ListTemplatesRequest*, ListTemplatesResponse*) override;
  grpc::Status UpdateTemplate(grpc::ServerContext*, const UpdateTemplateRequest*, MailTemplate*) override;
  grpc::Status ListMessages(grpc::ServerContext*, const ListMessagesRequest*, ListMessagesResponse*) override;

 private:
  db::Pool& pool_;
  NotificationConfig config_;
};

} // namespace civic::notification
