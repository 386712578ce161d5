// dirty logging never switched on: KVM_GET_DIRTY_LOG fails on the slot
//@ TODO 4a
