import { type CloudTemplate, type TaskProgress } from '../../../src/labs/ports';
import { type CaptureRequest } from '../../../src/vcd/vapp-resources';
import { type VcdCloud } from '../../../src/vcd/vcd-cloud';

/**
 * Captures a vApp into a catalog and waits for the new template: the two port calls the controller makes apart
 * (startCapture, then waitForCapture, so that a restart in between resumes the wait), in one go for tests.
 * @throws as VcdCloud.startCapture and VcdCloud.waitForCapture.
 */
export async function captureVApp(
  cloud: Pick<VcdCloud, 'startCapture' | 'waitForCapture'>,
  vappHref: string,
  request: CaptureRequest,
  onProgress?: TaskProgress,
): Promise<CloudTemplate> {
  const task = await cloud.startCapture(vappHref, request);
  return cloud.waitForCapture(task, request, onProgress);
}
