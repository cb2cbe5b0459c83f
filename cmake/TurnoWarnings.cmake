# Warnings and sanitizer flags shared by every target of the project.
add_library(turno_warnings INTERFACE)
target_compile_options(turno_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wnon-virtual-dtor -Wcast-qual
  -Wformat=2 -Wimplicit-fallthrough -Wno-missing-field-initializers
  $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local>)

if(TURNO_SANITIZE AND TURNO_TSAN)
  message(FATAL_ERROR "TURNO_SANITIZE and TURNO_TSAN cannot be combined")
endif()
if(TURNO_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(TURNO_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()
if(TURNO_FUZZ)
  # Coverage feedback from the libraries the fuzz targets call (turno_core,
  # turno_server_lib), not only from the target's own file; the targets add
  # -fsanitize=fuzzer for libFuzzer's main (tests/fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
