# Every external dependency is found here, once. All come from Debian 12 packages
# that tools/dev installs.
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(CURL REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
# Metrics (issue 18): the registry in every process, the scrape endpoint in services.
find_package(prometheus-cpp CONFIG REQUIRED)
pkg_check_modules(PISTACHE REQUIRED IMPORTED_TARGET libpistache)
pkg_check_modules(ARGON2 REQUIRED IMPORTED_TARGET libargon2)
# bcrypt of the former system's password hashes (issue 15): libxcrypt's crypt_rn.
pkg_check_modules(XCRYPT REQUIRED IMPORTED_TARGET libxcrypt)
pkg_check_modules(ICU REQUIRED IMPORTED_TARGET icu-uc)
# The former system's WordPress dump is read with MariaDB's client library (tools/import).
pkg_check_modules(MARIADB REQUIRED IMPORTED_TARGET libmariadb)
# The health app's QR codes (NTF-6): libqrencode draws them, libpng writes the PNG.
pkg_check_modules(QRENCODE REQUIRED IMPORTED_TARGET libqrencode)
pkg_check_modules(PNG REQUIRED IMPORTED_TARGET libpng)
find_library(ZXCVBN_LIBRARY NAMES zxcvbn REQUIRED)
find_path(ZXCVBN_INCLUDE_DIR zxcvbn.h REQUIRED)
add_library(zxcvbn::zxcvbn UNKNOWN IMPORTED)
set_target_properties(zxcvbn::zxcvbn PROPERTIES IMPORTED_LOCATION ${ZXCVBN_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${ZXCVBN_INCLUDE_DIR})
if(CIVIC_TESTS)
  find_package(Catch2 2 REQUIRED)
endif()
find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
