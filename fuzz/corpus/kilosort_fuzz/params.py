dat_path = 'x.bin'
sample_rate = 30000.  # Hz
n_channels_dat = 64
