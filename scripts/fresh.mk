# scripts/fresh.mk — `make test-fresh`: the README's two commands, exactly as written
# (`make grade`, `make test`), on a fresh minimal Debian 12 without /dev/kvm, in a clone of HEAD
# under /root (0700); scripts/test-fresh says how. Needs root and mmdebstrap. Not part of
# `make test`: a fresh machine downloads and installs the kit's packages first (README has the
# time it takes). FRESH_CACHE= puts the cached root filesystem and the runs elsewhere.
.PHONY: test-fresh
test-fresh:
	$(if $(call uservar,FRESH_CACHE),VIRTLAB_FRESH_CACHE=$(call arg,FRESH_CACHE)) scripts/test-fresh
