# `cmake --install` for C++ users (SPEC §9.5): headers under include/evspike/<folder>/, the static
# libraries, and lib/cmake/evspike/evspikeConfig.cmake with namespaced targets evspike::<folder>
# (evspike::core, evspike::io, ...), so that a project does
#     find_package(evspike REQUIRED)
#     target_link_libraries(app PRIVATE evspike::io)
# Components: `devel` (headers, libraries, CMake package), `runtime` (the evspike command),
# `python` (the module, python/CMakeLists.txt). examples/consumer is built against it in CI.
include(CMakePackageConfigHelpers)

# Called by evspike_library for each folder's target.
function(evspike_install_library name folder)
  set_target_properties(${name} PROPERTIES EXPORT_NAME ${folder})
  add_library(evspike::${folder} ALIAS ${name})
  install(TARGETS ${name} EXPORT evspike_targets COMPONENT devel)
  install(DIRECTORY ${CMAKE_SOURCE_DIR}/${folder}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/evspike/${folder}
          COMPONENT devel FILES_MATCHING PATTERN "*.hpp")
endfunction()

function(evspike_install_package)
  set_target_properties(evspike_version PROPERTIES EXPORT_NAME version)
  install(TARGETS evspike_version EXPORT evspike_targets COMPONENT devel)
  set(dir ${CMAKE_INSTALL_LIBDIR}/cmake/evspike)
  install(EXPORT evspike_targets NAMESPACE evspike:: DESTINATION ${dir} FILE evspikeTargets.cmake
          COMPONENT devel)
  configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/evspikeConfig.cmake.in
                                ${CMAKE_BINARY_DIR}/evspikeConfig.cmake INSTALL_DESTINATION ${dir})
  write_basic_package_version_file(${CMAKE_BINARY_DIR}/evspikeConfigVersion.cmake
                                   COMPATIBILITY SameMinorVersion)
  install(FILES ${CMAKE_BINARY_DIR}/evspikeConfig.cmake ${CMAKE_BINARY_DIR}/evspikeConfigVersion.cmake
          DESTINATION ${dir} COMPONENT devel)
endfunction()
