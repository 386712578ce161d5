// checks gpa + len > RAM_SIZE: the sum wraps around 2^64 and a huge address passes
//@ TODO 2
	if (gpa + len > RAM_SIZE)
		return NULL;
	return mem + gpa;
