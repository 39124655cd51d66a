# The hardened variant: the same sources compiled with -DPM_HARDENED (runtime/policy.hpp),
# as build/libpoolmalloc-hardened.so and build/libpoolmalloc-hardened.a. `make` builds it
# beside the default libraries; `make install` installs it beside them.
HARD_OBJ_DIR := $(BUILD)/obj-hardened
HARD_RT_OBJ  := $(RT_SRC:%.cpp=$(HARD_OBJ_DIR)/%.o)
HARD_IP_OBJ  := $(HARD_OBJ_DIR)/interpose/interpose.o
SO_HARDENED  := $(BUILD)/libpoolmalloc-hardened.so
LIB_HARDENED := $(BUILD)/libpoolmalloc-hardened.a

all: $(SO_HARDENED) $(LIB_HARDENED)
.PHONY: hardened install-hardened uninstall-hardened
hardened: $(SO_HARDENED) $(LIB_HARDENED)

$(HARD_OBJ_DIR)/runtime/%.o: runtime/%.cpp $(HEADERS)
	@mkdir -p $(dir $@)
	$(CXX) $(RT_FLAGS) -DPM_HARDENED -c $< -o $@

$(HARD_IP_OBJ): interpose/interpose.cpp $(HEADERS)
	@mkdir -p $(dir $@)
	$(CXX) $(IP_FLAGS) -DPM_HARDENED -c $< -o $@

$(SO_HARDENED): $(HARD_RT_OBJ) $(HARD_IP_OBJ)
	$(CXX) -shared -o $@ $^ -Wl,-z,now -Wl,-soname,libpoolmalloc-hardened.so -pthread

$(LIB_HARDENED): $(HARD_RT_OBJ) $(HARD_IP_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Installed next to the default libraries (variables from mk/install.mk).
install: install-hardened
install-hardened: $(SO_HARDENED) $(LIB_HARDENED)
	install -d '$(PM_D)$(LIBDIR)'
	install -m 755 $(SO_HARDENED) '$(PM_D)$(LIBDIR)/libpoolmalloc-hardened.so'
	install -m 644 $(LIB_HARDENED) '$(PM_D)$(LIBDIR)/libpoolmalloc-hardened.a'

uninstall: uninstall-hardened
uninstall-hardened:
	rm -f '$(PM_D)$(LIBDIR)/libpoolmalloc-hardened.so' '$(PM_D)$(LIBDIR)/libpoolmalloc-hardened.a'
