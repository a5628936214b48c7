# SPDX-License-Identifier: Apache-2.0
# The Debian package (`cpack -G DEB` in a build configured with -DSHIMGATE_PACKAGE=ON and
# -DCMAKE_INSTALL_PREFIX=/usr; tests/run-deb.sh builds, installs and purges it). Besides the
# binaries and the reference policies it ships the stacks as conffiles in /etc/shimgate/policy.d
# (dpkg keeps an operator's edits on upgrade) and containerd's systemd drop-in as documentation:
# `shimgate setup` installs the drop-in, with the shadow directory and a key, when the operator
# asks for it, never at package install (a gate with no key and no configuration would refuse
# every container).
set(SG_PKG_POLICY_DIR "/etc/shimgate/policy.d")
set(SG_PKG_SHADOW_DIR "${CMAKE_INSTALL_FULL_LIBEXECDIR}/shimgate/shadow")

install(FILES ${PROJECT_SOURCE_DIR}/policies/create ${PROJECT_SOURCE_DIR}/policies/mount
              ${PROJECT_SOURCE_DIR}/policies/exec
        DESTINATION ${SG_PKG_POLICY_DIR} PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${PROJECT_SOURCE_DIR}/policies/seccomp/default.json
        DESTINATION ${SG_PKG_POLICY_DIR}/seccomp PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

configure_file(${CMAKE_CURRENT_LIST_DIR}/containerd-dropin.conf.in
               ${CMAKE_BINARY_DIR}/packaging/containerd.service.d/shimgate.conf @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/packaging/containerd.service.d/shimgate.conf
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/containerd.service.d)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

configure_file(${CMAKE_CURRENT_LIST_DIR}/conffiles.in ${CMAKE_BINARY_DIR}/packaging/conffiles @ONLY)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME shimgate)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "shimgate maintainers <root@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "containerd shim v2 gate: signed, policy-checked create, mount and exec")
set(CPACK_PACKAGE_DESCRIPTION
    "shimgate sits in front of containerd-shim-runc-v2 and lets a create, its mounts and an\n exec through only when PAM-style policy stacks with HMAC signatures allow them.\n `shimgate setup containerd|docker|kubernetes` makes it the only runtime of a host,\n `shimgate doctor` lists what still goes around it.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "containerd, runc")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "docker.io")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/packaging/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Only the binaries, the headers, the policies and the docs: no test programs.
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};${PROJECT_NAME};ALL;/")
# cpack builds nothing itself: run-deb.sh builds the two installed programs first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
include(CPack)
