# vcpkg overlay port of stepfn (header-only): `vcpkg install stepfn --overlay-ports=<repo>/ports`
# or, in manifest mode, "vcpkg-configuration": {"overlay-ports": ["<repo>/ports"]}. See
# docs/install.md. The port builds from the repository it sits in (an overlay of a local
# checkout); set STEPFN_SOURCE_DIR in the environment to build another checkout.
set(VCPKG_BUILD_TYPE release) # header-only: nothing differs between debug and release

if(DEFINED ENV{STEPFN_SOURCE_DIR})
    file(TO_CMAKE_PATH "$ENV{STEPFN_SOURCE_DIR}" SOURCE_PATH)
else()
    get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
endif()
if(NOT EXISTS "${SOURCE_PATH}/include/stepfn/version.hpp")
    message(FATAL_ERROR "stepfn sources not found at ${SOURCE_PATH}")
endif()

vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
    FEATURES
        yaml STEPFN_WITH_YAML
        sqlite STEPFN_WITH_SQLITE
        server STEPFN_WITH_SERVER
        auth STEPFN_WITH_AUTH
)

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        ${FEATURE_OPTIONS}
        -DSTEPFN_BUILD_TESTS=OFF
        -DSTEPFN_BUILD_EXAMPLES=OFF
        -DSTEPFN_BUILD_TOOLS=OFF
        -DSTEPFN_BUILD_BENCHMARKS=OFF
        -DSTEPFN_BUILD_FUZZERS=OFF
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(CONFIG_PATH share/cmake/stepfn)
vcpkg_fixup_pkgconfig()

# Header-only: no libraries, and the generated config files already live in share/stepfn.
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/lib" "${CURRENT_PACKAGES_DIR}/debug")
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/share/doc")

file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
