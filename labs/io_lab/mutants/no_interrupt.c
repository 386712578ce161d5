// never interrupts the guest: notify_guest does nothing
//@ TODO 4
	(void)q;
