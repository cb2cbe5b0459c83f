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
