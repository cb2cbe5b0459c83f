# Installation layout and CPack: two Debian packages, turno-console (console +
# turnoctl) and turno-server. tests/packaging builds, lints and installs them.
set(pkg ${PROJECT_SOURCE_DIR}/packaging)

install(FILES ${pkg}/desktop/turno-console.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications COMPONENT console)
install(FILES ${pkg}/desktop/io.turno_ops.console.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo COMPONENT console)
install(FILES ${pkg}/desktop/turno-ops.svg DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps COMPONENT console)
# The default cluster profile, where ProfileLoader looks for an installed copy.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/profiles/ DESTINATION ${CMAKE_INSTALL_DATADIR}/turno-ops/profiles
        COMPONENT console FILES_MATCHING PATTERN "*.json")
install(FILES ${pkg}/systemd/turno-server.service DESTINATION lib/systemd/system COMPONENT server)
install(FILES ${pkg}/systemd/turno-server.default DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/turno-server/examples COMPONENT server)
install(DIRECTORY ${pkg}/examples/ DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/turno-server/examples COMPONENT server)
install(DIRECTORY ${pkg}/grafana/ ${pkg}/prometheus/ DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/turno-console/examples COMPONENT console)

# Debian wants a copyright file and a compressed changelog in each package's
# doc dir; a native package (no Debian revision) names it changelog.gz.
set(changelog_gz ${CMAKE_BINARY_DIR}/changelog.gz)
execute_process(COMMAND gzip -9n -c ${pkg}/changelog OUTPUT_FILE ${changelog_gz})
foreach(component console server)
  set(name turno-${component})
  install(FILES ${pkg}/copyright ${changelog_gz} DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${name} COMPONENT ${component})
endforeach()

set(CPACK_PACKAGE_NAME "turno-ops")
# CPackDeb puts the project summary in front of each component's description
# unless it equals CPack's own default; matching the default lets each
# component's first description line be its package synopsis.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CMAKE_PROJECT_NAME} built using CMake")
set(CPACK_PACKAGE_VENDOR "Turno Ops")
set(CPACK_PACKAGE_CONTACT "Turno Ops maintainers <turno-ops@example.org>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL console server)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_CONSOLE_PACKAGE_NAME "turno-console")
# Loaded as plugins at run time, so dpkg-shlibdeps cannot see them.
set(CPACK_DEBIAN_CONSOLE_PACKAGE_DEPENDS "libqt6sql6-sqlite, qt6-qpa-plugins, libqt6svg6")
set(CPACK_DEBIAN_CONSOLE_PACKAGE_RECOMMENDS "redis-server, redis-sentinel, haproxy, turno-server")
set(CPACK_DEBIAN_CONSOLE_PACKAGE_SUGGESTS "prometheus")
set(CPACK_DEBIAN_CONSOLE_DESCRIPTION "operations console for a fleet of turno servers
turno-console launches or attaches to a fleet of turno servers behind
HAProxy with Redis and Sentinel, charts load, latency and CPU live, raises
alerts, switches between a primary and a secondary cluster, load-tests the
fleet and writes incident reports. turnoctl offers the same headless.")
set(CPACK_DEBIAN_SERVER_PACKAGE_NAME "turno-server")
set(CPACK_DEBIAN_SERVER_PACKAGE_RECOMMENDS "redis-server")
set(CPACK_DEBIAN_SERVER_DESCRIPTION "unique, consecutive numbers per id over HTTP
turno-server answers GET /turno/ID with the next number of ID, exact up
to 2^53-1, from memory or from Redis with Sentinel failover, and exports
Prometheus metrics.")
include(CPack)
