# Common settings every FirmwareDesk target links (STYLE.md).
add_library(fwd_common INTERFACE)
target_compile_features(fwd_common INTERFACE cxx_std_20)
target_compile_options(fwd_common INTERFACE
  -Wall -Wextra -Wpedantic -Wold-style-cast -Wnon-virtual-dtor -Woverloaded-virtual
  $<$<BOOL:${FWD_WERROR}>:-Werror>)
target_compile_definitions(fwd_common INTERFACE
  QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_URL_CAST_FROM_STRING
  QT_NO_FOREACH QT_USE_QSTRINGBUILDER QT_NO_KEYWORDS
  FWD_VERSION="${PROJECT_VERSION}")
if(FWD_SANITIZE)
  target_compile_options(fwd_common INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(fwd_common INTERFACE -fsanitize=address,undefined)
endif()

# fwd_add_part(<folder>): adds app/<folder> when it has a CMakeLists.txt, so parts arrive one by one.
set(FWD_SKIP_PARTS "" CACHE STRING "Parts (folder names) left out of this build tree")
function(fwd_add_parts)
  foreach(part IN LISTS ARGN)
    if(part IN_LIST FWD_SKIP_PARTS)
      message(STATUS "FirmwareDesk: leaving out ${part} (FWD_SKIP_PARTS)")
    elseif(EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/${part}/CMakeLists.txt")
      add_subdirectory(${part})
    endif()
  endforeach()
endfunction()

# fwd_add_test(NAME <name> SOURCES <files> LIBS <targets> [LABELS <labels>] [GUI])
# One Qt Test executable registered with CTest; GUI tests run on the offscreen platform.
function(fwd_add_test)
  cmake_parse_arguments(T "GUI" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE fwd_common Qt6::Test ${T_LIBS})
  target_compile_definitions(${T_NAME} PRIVATE FWD_TEST_DATA_DIR="${CMAKE_CURRENT_SOURCE_DIR}/data")
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set(env "QT_QPA_PLATFORM=offscreen;FWD_TEST_DATA=${CMAKE_CURRENT_SOURCE_DIR}/data")
  set_tests_properties(${T_NAME} PROPERTIES ENVIRONMENT "${env}" TIMEOUT 600)
  if(T_LABELS)
    set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()
