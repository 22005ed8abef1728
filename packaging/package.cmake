# The Debian package (docs/packaging.md): man pages generated at build time, install rules,
# CPack's DEB generator, and the tests of all three. Included from the top CMakeLists.txt,
# so that packaging stays in one file rather than spread over the build of the code.
#
#   cpack -G DEB            (in build/)  ->  build/vigil_VERSION_amd64.deb
#
# Paths follow Debian: CPack installs under /usr (CPACK_PACKAGING_INSTALL_PREFIX); the
# configuration example and the systemd unit go to absolute paths, which the package
# needs whatever the prefix (a plain `cmake --install` puts them there too, under DESTDIR).

find_package(Python3 REQUIRED COMPONENTS Interpreter)

set(VIGIL_SYSCONFDIR /etc/vigil CACHE PATH "where the configuration example goes")
set(VIGIL_SYSTEMD_UNITDIR /lib/systemd/system CACHE PATH "where the systemd unit goes")

# --- Man pages: vigil.toml(5) from docs/config.md, vigil(8) from docs/man/vigil.8.md ------
set(vigil_man_dir ${CMAKE_BINARY_DIR}/man)
set(vigil_gen_man ${CMAKE_SOURCE_DIR}/tools/gen_man.py)
set(vigil_man_pages)
foreach(page "vigil.toml.5|config|docs/config.md" "vigil.8|page|docs/man/vigil.8.md")
    string(REPLACE "|" ";" page "${page}")
    list(GET page 0 name)
    list(GET page 1 mode)
    list(GET page 2 source)
    # gzip -n: no name or time stamp inside, so the same sources give the same bytes.
    add_custom_command(
        OUTPUT ${vigil_man_dir}/${name} ${vigil_man_dir}/${name}.gz
        COMMAND ${CMAKE_COMMAND} -E make_directory ${vigil_man_dir}
        COMMAND Python3::Interpreter ${vigil_gen_man} ${mode} ${CMAKE_SOURCE_DIR}/${source}
                ${vigil_man_dir}/${name} --version ${PROJECT_VERSION}
        COMMAND gzip -9 -n -k -f ${vigil_man_dir}/${name}
        DEPENDS ${vigil_gen_man} ${CMAKE_SOURCE_DIR}/${source}
        COMMENT "Generating man page ${name} from ${source}"
        VERBATIM)
    list(APPEND vigil_man_pages ${vigil_man_dir}/${name}.gz)
endforeach()
add_custom_target(vigil_man ALL DEPENDS ${vigil_man_pages})

# --- What the package installs -------------------------------------------------------------
# One binary: the agent and the operator's CLI. /usr/sbin, since both the daemon and the
# commands that talk to its root-owned socket are for the administrator (docs/packaging.md).
install(TARGETS vigil RUNTIME DESTINATION sbin)
install(FILES packaging/vigil.service DESTINATION ${VIGIL_SYSTEMD_UNITDIR})
install(FILES examples/vigil-witness.toml DESTINATION ${VIGIL_SYSCONFDIR}
        RENAME vigil.toml.example)
install(FILES ${vigil_man_dir}/vigil.8.gz DESTINATION share/man/man8)
install(FILES ${vigil_man_dir}/vigil.toml.5.gz DESTINATION share/man/man5)
install(FILES packaging/vigil.bash-completion DESTINATION share/bash-completion/completions
        RENAME vigil)
install(FILES README.md packaging/copyright DESTINATION share/doc/vigil)
file(GLOB vigil_docs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${vigil_docs} DESTINATION share/doc/vigil/docs)
install(FILES examples/vigil.toml examples/vigil-witness.toml examples/vigil-vrrp.toml
        DESTINATION share/doc/vigil/examples)

# --- CPack: the .deb -------------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vigil)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# Default names: vigil_0.1.0_amd64.deb (no Debian revision is set).
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "vigil developers <vigil@example.org>")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "high availability for network-controller services
vigil keeps a service reachable when a machine, a link or a process dies: nodes
watch each other with authenticated heartbeats over several links, and for each
failover group one node, elected with the votes of a quorum, holds the virtual
IP addresses and runs the group's resources. Failover takes about 250 ms.
.
The unit is installed but neither enabled nor started: write
/etc/vigil/vigil.toml (see vigil.toml.example) first.")
# Shared-library dependencies come from dpkg-shlibdeps; iproute2 for the operator's `ip`
# (the agent itself uses netlink), ping for the tie-breaker and ping checks.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "iproute2")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "iputils-ping")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/deb/postinst ${CMAKE_SOURCE_DIR}/packaging/deb/prerm
    ${CMAKE_SOURCE_DIR}/packaging/deb/postrm ${CMAKE_SOURCE_DIR}/packaging/deb/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)

# --- Tests -----------------------------------------------------------------------------------
# The generator's own tests: it renders the real docs and refuses docs it cannot parse.
add_test(NAME man.generator COMMAND Python3::Interpreter ${CMAKE_SOURCE_DIR}/tools/gen_man_test.py)
set_tests_properties(man.generator PROPERTIES LABELS unit)
# Every subcommand and option that the built vigil knows is in vigil(8) and completed by the
# bash completion; both pages render without a warning.
add_test(NAME man.covers_cli
         COMMAND Python3::Interpreter ${CMAKE_SOURCE_DIR}/tests/package/check_cli_docs.py
                 $<TARGET_FILE:vigil> ${vigil_man_dir}/vigil.8
                 ${CMAKE_SOURCE_DIR}/packaging/vigil.bash-completion)
set_tests_properties(man.covers_cli PROPERTIES LABELS unit)
add_test(NAME completion COMMAND bash ${CMAKE_SOURCE_DIR}/tests/package/test_completion.sh)
set_tests_properties(completion PROPERTIES LABELS unit)
# Builds the .deb from this build and checks it in a throwaway root (e2e pass of
# scripts/test: it runs cpack, dpkg-deb and man, about 10 s).
add_test(NAME e2e.package_install
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/package/test_package_install.sh
                 ${CMAKE_BINARY_DIR} ${PROJECT_VERSION})
set_tests_properties(e2e.package_install PROPERTIES LABELS e2e TIMEOUT 240
                     SKIP_RETURN_CODE 77)
