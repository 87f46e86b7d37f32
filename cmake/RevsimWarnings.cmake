# Warnings for revsim's own targets only (not exported), after CLI11's CLI11Warnings.cmake.
add_library(revsim_warnings INTERFACE)
target_compile_options(revsim_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
