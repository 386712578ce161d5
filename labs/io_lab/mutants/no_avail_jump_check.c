// accepts an avail idx any distance ahead
//@ TODO 3
	struct virtq_desc *desc = guest_ptr(q->desc, sizeof(*desc) * q->num);
	struct virtq_avail *avail = guest_ptr(q->driver, sizeof(*avail) + 2 * q->num);
	struct virtq_used *used = guest_ptr(q->device,
					    sizeof(*used) + sizeof(used->ring[0]) * q->num);
	bool used_some = false;

	if (!desc || !avail || !used)
		errx(1, "queue %u: its rings are not in RAM", index);
	while (q->last_avail != avail->idx) {
		if (index == RECEIVEQ && dev.input_pos == HOST_INPUT_LEN)
			break;          /* no input left: the chain waits */
		uint16_t head = avail->ring[q->last_avail % q->num];
		/* First the whole chain is checked, then it is served. */
		uint32_t count = 0;
		for (uint16_t i = head;; i = desc[i].next) {
			if (i >= q->num)
				errx(1, "queue %u: descriptor %u, the queue has %u", index, i, q->num);
			if (++count > q->num)
				errx(1, "queue %u: the chain from descriptor %u loops", index, head);
			if (!guest_ptr(desc[i].addr, desc[i].len))
				errx(1, "queue %u: descriptor %u: buffer 0x%llx, %u bytes, is not in RAM",
				     index, i, (unsigned long long)desc[i].addr, desc[i].len);
			bool writable = desc[i].flags & VIRTQ_DESC_F_WRITE;
			if (writable != (index == RECEIVEQ))
				errx(1, "queue %u: descriptor %u is device-%s", index, i,
				     writable ? "writable" : "readable");
			if (!(desc[i].flags & VIRTQ_DESC_F_NEXT))
				break;
		}
		uint32_t written = 0;
		for (uint16_t i = head;; i = desc[i].next) {
			struct virtq_desc *d = &desc[i];
			uint8_t *buf = guest_ptr(d->addr, d->len);
			if (index == TRANSMITQ) {
				fwrite(buf, 1, d->len, stdout);
			} else {
				size_t n = HOST_INPUT_LEN - dev.input_pos;
				if (n > d->len)
					n = d->len;
				memcpy(buf, HOST_INPUT + dev.input_pos, n);
				dev.input_pos += n;
				written += (uint32_t)n;
			}
			if (!(d->flags & VIRTQ_DESC_F_NEXT))
				break;
		}
		struct virtq_used_elem *e = &used->ring[used->idx % q->num];
		e->id = head;
		e->len = written;
		used->idx++;
		q->last_avail++;
		used_some = true;
	}
	if (used_some)
		notify_guest(q);
