// civic_health_export YEAR [DIR]: the health app's yearly partner file (NTF-6,
// docs/health-app.md), which the centre used to assemble and send by hand. Asks the
// notification service (NOTIFICATION_SERVICE_ADDR) for the 年度 YEAR's redemptions, signed
// as the service "health-export" with INTERNAL_HMAC_KEY, and writes
// DIR/health-partner-YEAR.csv and its .sha256 (sha256sum's format). `tools/dev
// health-export YEAR` runs it against the dev stack.
#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "civic/channels.grpc.pb.h"
#include "core/config.h"
#include "core/crypto.h"
#include "rpc/principal.h"

int main(int argc, char** argv) {
  using namespace civic;
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: civic_health_export YEAR [DIR]\n";
    return 2;
  }
  int year = std::atoi(argv[1]);
  std::filesystem::path dir = argc > 2 ? argv[2] : ".";
  try {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(int(config::integer("GRPC_MAX_MESSAGE_BYTES", 16 << 20, 1 << 20, 256 << 20)));
    auto channel = grpc::CreateCustomChannel(config::str("NOTIFICATION_SERVICE_ADDR", "127.0.0.1:50052"),
                                             grpc::InsecureChannelCredentials(), args);
    auto stub = notification::HealthService::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    rpc::Principal p;
    p.add_roles("service");
    p.set_caller("health-export");
    rpc::attach(ctx, p, config::secret("INTERNAL_HMAC_KEY"));
    notification::HealthPartnerFileRequest req;
    req.set_year(year);
    common::HttpBody file;
    grpc::Status st = stub->ExportHealthPartnerFile(&ctx, req, &file);
    if (!st.ok()) {
      std::cerr << "civic_health_export: " << st.error_message() << "\n";
      return 1;
    }
    std::filesystem::create_directories(dir);
    auto csv = dir / file.filename();
    std::ofstream(csv, std::ios::binary) << file.data();
    std::string sum = crypto::hex(crypto::sha256(file.data())) + "  " + file.filename() + "\n";
    std::ofstream(dir / (file.filename() + ".sha256"), std::ios::binary) << sum;
    size_t rows = size_t(std::count(file.data().begin(), file.data().end(), '\n')) - 1;
    std::cout << csv.string() << "\t" << rows << " redemptions\t" << sum;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "civic_health_export: " << e.what() << "\n";
    return 1;
  }
}
