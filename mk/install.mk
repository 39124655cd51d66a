# Launcher and installation (templates in tools/; documentation in docs/install.md).
#   make launcher                     $(BUILD)/poolmalloc-run, preloading $(BUILD)/libpoolmalloc.so
#   make install [PREFIX=/usr/local] [DESTDIR=]   libraries, headers, poolmalloc-run,
#                                     pkg-config file and CMake package configuration
#   make uninstall [PREFIX=...] [DESTDIR=]        removes exactly what install put there
# BINDIR, LIBDIR and INCLUDEDIR default to PREFIX/bin, PREFIX/lib and PREFIX/include.
# The installed files name PREFIX (not DESTDIR), so a DESTDIR tree is for packaging; the
# CMake files locate themselves and keep working if the installed tree is moved.
PM_VERSION ?= 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include

PM_LAUNCHER    := $(BUILD)/poolmalloc-run
PM_PUBLIC_HDRS := $(sort $(wildcard include/*.h include/*.hpp))
PM_CMAKEDIR     = $(LIBDIR)/cmake/poolmalloc
PM_D            = $(DESTDIR)

# pm_subst LIBRARY-PATH: a sed command filling the templates' @PM_...@ fields.
pm_subst = sed -e 's|@PM_LIB@|$(1)|g' -e 's|@PM_VERSION@|$(PM_VERSION)|g' \
  -e 's|@PM_VERSION_MAJOR@|$(word 1,$(subst ., ,$(PM_VERSION)))|g' \
  -e 's|@PM_PREFIX@|$(PREFIX)|g' \
  -e 's|@PM_LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|g' \
  -e 's|@PM_INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|g' \
  -e 's|@PM_REL_LIBDIR@|../..|g' \
  -e "s|@PM_REL_INCLUDEDIR@|$$(realpath -m --relative-to='$(PM_CMAKEDIR)' '$(INCLUDEDIR)')|g"

.PHONY: launcher install uninstall
all: $(PM_LAUNCHER)
launcher: $(PM_LAUNCHER)

# The build-tree launcher preloads the library by its absolute path, so it works from any
# directory; it does not need the library to exist yet (it checks when it runs).
$(PM_LAUNCHER): tools/poolmalloc-run.in mk/install.mk
	@mkdir -p $(dir $@)
	@echo "  GEN   $@"
	@$(call pm_subst,$(abspath $(SO))) $< > $@.tmp
	@chmod 755 $@.tmp && mv $@.tmp $@

# pm_gen TEMPLATE,DEST,MODE: fills a template straight into its installed place. The old
# file is removed first, not overwritten: a shell may be reading the installed launcher.
pm_gen = rm -f '$(2)' && $(call pm_subst,$(LIBDIR)/libpoolmalloc.so) $(1) > '$(2)' && chmod $(3) '$(2)'

install: all
	@case '$(PREFIX)' in /*) ;; *) echo "install: PREFIX must be an absolute path" >&2; exit 1;; esac
	install -d '$(PM_D)$(BINDIR)' '$(PM_D)$(LIBDIR)/pkgconfig' '$(PM_D)$(PM_CMAKEDIR)' \
	  '$(PM_D)$(INCLUDEDIR)'
	install -m 755 $(SO) '$(PM_D)$(LIBDIR)/libpoolmalloc.so'
	install -m 644 $(LIB) '$(PM_D)$(LIBDIR)/libpoolmalloc.a'
	install -m 644 $(PM_PUBLIC_HDRS) '$(PM_D)$(INCLUDEDIR)/'
	@echo "  GEN   poolmalloc-run, poolmalloc.pc, CMake package files for PREFIX=$(PREFIX)"
	@$(call pm_gen,tools/poolmalloc-run.in,$(PM_D)$(BINDIR)/poolmalloc-run,755)
	@$(call pm_gen,tools/poolmalloc.pc.in,$(PM_D)$(LIBDIR)/pkgconfig/poolmalloc.pc,644)
	@$(call pm_gen,tools/poolmalloc-config.cmake.in,$(PM_D)$(PM_CMAKEDIR)/poolmalloc-config.cmake,644)
	@$(call pm_gen,tools/poolmalloc-config-version.cmake.in,$(PM_D)$(PM_CMAKEDIR)/poolmalloc-config-version.cmake,644)

uninstall:
	rm -f '$(PM_D)$(BINDIR)/poolmalloc-run' '$(PM_D)$(LIBDIR)/libpoolmalloc.so' \
	  '$(PM_D)$(LIBDIR)/libpoolmalloc.a' '$(PM_D)$(LIBDIR)/pkgconfig/poolmalloc.pc' \
	  '$(PM_D)$(PM_CMAKEDIR)/poolmalloc-config.cmake' \
	  '$(PM_D)$(PM_CMAKEDIR)/poolmalloc-config-version.cmake' \
	  $(foreach h,$(notdir $(PM_PUBLIC_HDRS)),'$(PM_D)$(INCLUDEDIR)/$(h)')
	rmdir '$(PM_D)$(PM_CMAKEDIR)' 2>/dev/null || true
