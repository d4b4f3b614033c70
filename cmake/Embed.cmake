# civic_embed_migrations(TARGET DIR [COMPONENT name] [USES component...]) compiles every
# DIR/NNN_name.sql into TARGET as civic::db::Migration constants, so a server binary
# carries its own schema.
#
# A library that owns tables names its COMPONENT ("workflow", "outbox", ...): its
# migrations become civic::generated::component_<name>_migrations(). A service lists
# the components whose tables it uses (USES) and gets
# civic::generated::<TARGET>_schema(): those components' migrations, then its own.
function(civic_embed_migrations target dir)
  cmake_parse_arguments(ARG "" "COMPONENT" "USES" ${ARGN})
  file(GLOB files CONFIGURE_DEPENDS "${dir}/*.sql")
  list(SORT files)
  if(ARG_COMPONENT)
    set(fn "component_${ARG_COMPONENT}_migrations")
  else()
    set(fn "${target}_migrations")
  endif()
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${fn}.cpp")
  set(body "// Generated from ${dir}; do not edit.\n#include \"db/migrations.h\"\n")
  string(APPEND body "namespace civic::generated {\n")
  foreach(use IN LISTS ARG_USES)
    string(APPEND body "const std::vector<civic::db::Migration>& component_${use}_migrations();\n")
  endforeach()
  string(APPEND body "const std::vector<civic::db::Migration>& ${fn}() {\n  static const std::vector<civic::db::Migration> all = {\n")
  foreach(f IN LISTS files)
    get_filename_component(name "${f}" NAME_WE)
    string(REGEX MATCH "^[0-9]+" version "${name}")
    if(NOT version)
      message(FATAL_ERROR "migration ${f} must start with a version number")
    endif()
    math(EXPR version "${version}")
    file(READ "${f}" sql)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${f}")  # an edited migration is embedded again
    string(APPEND body "    {${version}, \"${name}\", R\"civicsql(${sql})civicsql\"},\n")
  endforeach()
  string(APPEND body "  };\n  return all;\n}\n")
  if(NOT ARG_COMPONENT)
    string(APPEND body "std::vector<civic::db::Schema> ${target}_schema() {\n  return {\n")
    foreach(use IN LISTS ARG_USES)
      string(APPEND body "      {\"${use}\", &component_${use}_migrations()},\n")
    endforeach()
    string(APPEND body "      {\"\", &${fn}()},\n  };\n}\n")
  endif()
  string(APPEND body "} // namespace civic::generated\n")
  file(GENERATE OUTPUT "${out}" CONTENT "${body}")
  target_sources(${target} PRIVATE "${out}")
endfunction()
